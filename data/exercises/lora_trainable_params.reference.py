"""Reference solution for lora_trainable_params: r·(d + k) per adapted matrix, in every block."""


def lora_trainable_params(shapes: dict[str, list[int]], n_layers: int, r: int, targets: list[str]) -> int:
    """Trainable LoRA parameters when every matrix named in `targets` gets rank-`r` factors B·A."""
    per_block = sum(r * (shapes[name][0] + shapes[name][1]) for name in set(targets))  # a name listed twice is one matrix
    return n_layers * per_block
