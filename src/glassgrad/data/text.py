"""Text for character-level language models: the bundled public-domain text and a vocabulary.

    text = load_text()                         # Shakespeare, Coriolanus Act I (public domain)
    vocab = CharVocab(text)                    # one id per distinct character
    ids = vocab.encode(text)                   # (N,) int64
    loader = BPTTLoader(ids, batch_size=16, bptt_len=64)   # see glassgrad.data.bptt
"""

from __future__ import annotations

from importlib import resources

import numpy as np

TEXTS = {"coriolanus": "coriolanus.txt"}


def load_text(name: str = "coriolanus") -> str:
    """A bundled text by name (see ``TEXTS``); sources in ``glassgrad/data/files/README.md``."""
    if name not in TEXTS:
        raise ValueError(f"load_text: unknown text {name!r}; bundled: {sorted(TEXTS)}.")
    return resources.files("glassgrad.data").joinpath("files", TEXTS[name]).read_text("utf-8")


class CharVocab:
    """Maps characters to ids 0..V-1 (sorted, so the mapping is reproducible) and back.

    Args:
        text: the characters to index (every distinct one gets an id).
    """

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        if not self.chars:
            raise ValueError("CharVocab: the text is empty.")
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """(len(text),) int64 ids; raises KeyError naming a character not in the vocabulary."""
        try:
            return np.fromiter((self.index[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as err:
            raise KeyError(f"CharVocab.encode: character {err.args[0]!r} is not in the "
                           f"vocabulary of {len(self)} characters.") from None

    def decode(self, ids) -> str:
        ids = np.asarray(getattr(ids, "data", ids)).ravel()
        return "".join(self.chars[int(i)] for i in ids)

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} characters)"
