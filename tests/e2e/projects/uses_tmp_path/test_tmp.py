def test_makes_a_basetemp(tmp_path):
    (tmp_path / "f").write_text("x")
