"""The source-map spec's base64 VLQ encoder, written the plain way: the reference the decoder is
tested against, and how benchmarks write maps."""

BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def vlq(value: int) -> str:
    """One base64 VLQ number."""
    bits = (-value << 1) | 1 if value < 0 else value << 1
    out = ""
    while True:
        digit = bits & 31
        bits >>= 5
        out += BASE64[digit | (32 if bits else 0)]
        if not bits:
            return out
