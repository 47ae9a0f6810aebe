def charge(credits: int) -> int:
    return max(credits, 0)
