"""Group speaker-embedding windows into speakers: spectral clustering, refinement, merging."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClusterOptions:
    merge_similarity: float = 0.93
    """Centroids at least this cosine-similar are one voice split in two. Different speakers'
    centroids measured 0.59-0.88 here (docs/diarization.md): merging lower would lose
    real speakers, which costs more than keeping a lone speaker split."""
    prune_keep: float = 0.5
    """Spectral affinity keeps each window's strongest links only (this fraction of them)."""
    refine_rounds: int = 10
    min_windows: int = 16
    """Fewer windows (about 4 s of speech at the default hop) are one speaker: a short clip's
    windows always split somewhere, and no real two-party call is that short."""
    min_cluster_windows: int = 3
    max_cluster_windows: int = 2000
    """Longer calls cluster an evenly spaced subset (the affinity matrix grows with its square);
    every window then joins its nearest centroid."""
    """A smaller cluster is a stray (a cough, a laugh) and joins its nearest neighbour."""
    method: str = "spectral"
    """``spectral`` (pruned cosine affinity) or ``agglomerative`` (average linkage, cosine)."""


def _normalize(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def centroids(embeddings: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """Unit-length mean embedding of each cluster (zeros for an empty one)."""
    out = np.zeros((count, embeddings.shape[1]), dtype=np.float64)
    for k in range(count):
        members = embeddings[labels == k]
        if len(members):
            out[k] = _normalize(members.mean(axis=0))
    return out


def _spectral(embeddings: np.ndarray, count: int, keep: float) -> np.ndarray:
    from sklearn.cluster import SpectralClustering

    affinity = np.clip(embeddings @ embeddings.T, 0.0, None)
    n = affinity.shape[0]
    # Keep each row's strongest links: weak cross-speaker similarities blur the graph.
    k_keep = max(2, int(np.ceil(keep * n)))
    threshold = np.sort(affinity, axis=1)[:, -k_keep][:, None]
    pruned = np.where(affinity >= threshold, affinity, 0.0)
    pruned = np.maximum(pruned, pruned.T)
    model = SpectralClustering(
        n_clusters=count, affinity="precomputed", assign_labels="cluster_qr", random_state=0
    )
    with warnings.catch_warnings():
        # A disconnected graph means cleanly separated voices, not a problem.
        warnings.filterwarnings("ignore", message="Graph is not fully connected")
        return np.asarray(model.fit_predict(pruned), dtype=np.int64)


def _agglomerative(embeddings: np.ndarray, count: int) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings, method="average", metric="cosine")
    return np.asarray(fcluster(tree, t=count, criterion="maxclust"), dtype=np.int64) - 1


def _refine(embeddings: np.ndarray, labels: np.ndarray, count: int, rounds: int) -> np.ndarray:
    """Spherical k-means from the spectral labels: each window to its nearest centroid."""
    for _ in range(rounds):
        centres = centroids(embeddings, labels, count)
        updated = np.argmax(embeddings @ centres.T, axis=1)
        if np.array_equal(updated, labels):
            break
        labels = updated
    return labels


def _merge_small(embeddings: np.ndarray, labels: np.ndarray, least: int) -> np.ndarray:
    """Fold clusters with fewer than ``least`` windows into the most similar other cluster."""
    while True:
        present, sizes = np.unique(labels, return_counts=True)
        if len(present) < 2 or sizes.min() >= least:
            return labels
        small = present[int(np.argmin(sizes))]
        centres = centroids(embeddings, labels, int(labels.max()) + 1)
        others = [k for k in present if k != small]
        target = max(others, key=lambda k: float(centres[k] @ centres[small]))
        labels = np.where(labels == small, target, labels)


def _merge_similar(embeddings: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Merge the most similar pair of clusters while their centroids are alike (one voice)."""
    while True:
        present = np.unique(labels)
        if len(present) < 2:
            return labels
        centres = centroids(embeddings, labels, int(labels.max()) + 1)[present]
        sims = centres @ centres.T
        np.fill_diagonal(sims, -1.0)
        i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[i, j] < threshold:
            return labels
        labels = np.where(labels == present[j], present[i], labels)


def cluster_speakers(
    embeddings: np.ndarray, max_speakers: int, options: ClusterOptions | None = None
) -> np.ndarray:
    """Cluster labels 0..n-1 (n <= max_speakers, numbered by first appearance) per window."""
    opts = options or ClusterOptions()
    n = embeddings.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    count = min(max_speakers, n)
    if count <= 1 or n < opts.min_windows:
        return np.zeros(n, dtype=np.int64)
    x = _normalize(embeddings.astype(np.float64))
    if n <= count + 1:
        labels = np.arange(n) % count
    elif opts.method == "agglomerative":
        labels = _agglomerative(x, count)
    elif n > opts.max_cluster_windows:
        subset = np.linspace(0, n - 1, opts.max_cluster_windows).round().astype(np.int64)
        sample = _spectral(x[subset], count, opts.prune_keep)
        labels = np.argmax(x @ centroids(x[subset], sample, count).T, axis=1)
    else:
        labels = _spectral(x, count, opts.prune_keep)
    labels = _refine(x, labels, count, opts.refine_rounds)
    labels = _merge_small(x, labels, opts.min_cluster_windows)
    labels = _merge_similar(x, labels, opts.merge_similarity)
    order = {label: rank for rank, label in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[label] for label in labels.tolist()], dtype=np.int64)
