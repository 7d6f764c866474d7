"""A native-script sentence per language: shown to Whisper as earlier speech to steer its script."""

from __future__ import annotations

# Whisper continues in the style of the text it is shown, so each prompt is what an agent says at
# the start of a call, written the way a transcript in that language should look.
PROMPTS: dict[str, str] = {
    "hi": "नमस्ते, मैं आपकी क्या मदद कर सकता हूँ? कृपया अपना खाता नंबर और पूरा नाम बताइए।",
    "mr": "नमस्कार, मी तुमची काय मदत करू शकतो? कृपया तुमचा खाते क्रमांक आणि पूर्ण नाव सांगा.",
    "ne": "नमस्ते, म तपाईंलाई कसरी सहयोग गर्न सक्छु? कृपया आफ्नो खाता नम्बर र पूरा नाम भन्नुहोस्।",
    "ta": "வணக்கம், நான் உங்களுக்கு எப்படி உதவ முடியும்?",
    "ur": (
        "السلام علیکم، میں آپ کی کیا مدد کر سکتا ہوں؟ براہ کرم اپنا اکاؤنٹ نمبر اور پورا نام "
        "بتائیں۔"
    ),
    # Prompt and chunk text share one 448-token window, and Whisper's tokenizer spends 2-2.6
    # tokens per letter of these scripts, so their prompts stay short (70-92 tokens). For Tamil
    # the short prompt measured as well as a longer one (CER 0.29 vs 0.30).
    "te": "నమస్కారం, నేను మీకు ఎలా సహాయం చేయగలను?",
    "bn": "নমস্কার, আমি আপনাকে কীভাবে সাহায্য করতে পারি?",
    "as": "নমস্কাৰ, মই আপোনাক কেনেকৈ সহায় কৰিব পাৰোঁ?",
    "gu": "નમસ્તે, હું તમારી શું મદદ કરી શકું?",
    "kn": "ನಮಸ್ಕಾರ, ನಾನು ನಿಮಗೆ ಹೇಗೆ ಸಹಾಯ ಮಾಡಬಹುದು?",
    "ml": "നമസ്കാരം, ഞാൻ നിങ്ങളെ എങ്ങനെ സഹായിക്കാം?",
    "pa": "ਸਤ ਸ੍ਰੀ ਅਕਾਲ, ਮੈਂ ਤੁਹਾਡੀ ਕੀ ਮਦਦ ਕਰ ਸਕਦਾ ਹਾਂ?",
}


def prompt_for(whisper_code: str) -> str | None:
    """The steering sentence for a Whisper language code, or None (no steering needed)."""
    return PROMPTS.get(whisper_code)
