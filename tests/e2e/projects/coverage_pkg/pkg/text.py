def shout(word, times=1):
    out = []
    for _ in range(times):
        out.append(word.upper())
    return " ".join(out)


def initials(name):
    parts = [p for p in name.split() if p]
    if not parts:
        return ""
    return "".join(p[0] for p in parts).upper()


class Greeter:
    def __init__(self, greeting="hello"):
        self.greeting = greeting

    def greet(self, name):
        if not name:
            raise ValueError("no name")
        return f"{self.greeting}, {name}"
