# A deliberate syntax error: collecting this file must fail with pytest's SyntaxError report.
def test_broken(:
    pass
