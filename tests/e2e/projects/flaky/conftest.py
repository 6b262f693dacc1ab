import sys
from pathlib import Path

# attempts.py sits beside this file; the workers import the tests with the rootdir on sys.path too.
sys.path.insert(0, str(Path(__file__).resolve().parent))
