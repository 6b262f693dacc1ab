MODULES = set()
