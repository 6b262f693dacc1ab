def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    elif n < 10:
        return "small"
    return "large"


def clamp(value, low, high):
    if value < low:
        value = low
    if value > high:
        value = high
    return value


def never_called():
    total = 0
    for i in range(3):
        total += i
    return total
