"""Reference solution for lora_trainable_params: r·(d + k) per adapted matrix, in every block."""


def lora_trainable_params(shapes: dict[str, list[int]], n_layers: int, r: int, targets: list[str]) -> int:
    """Trainable LoRA parameters when every matrix named in `targets` gets rank-`r` factors B·A."""
    adapted = set(targets)  # a name listed twice is still one matrix
    per_block = sum(r * (shapes[name][0] + shapes[name][1]) for name in adapted)
    return n_layers * per_block
