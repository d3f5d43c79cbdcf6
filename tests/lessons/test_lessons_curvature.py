"""The Hessian's verdict in words: a gradient that only counts as zero at the view's scale is
not written as ∇f = 0."""

from __future__ import annotations

from gradexplorer.lessons.curvature import classify


def test_an_exactly_zero_gradient_is_written_as_zero() -> None:
    v = classify(((2.0, 0.0), (0.0, -2.0)), 0.0)
    assert v.stationary and v.words.startswith("∇f = 0 and the eigenvalues have opposite signs")


def test_a_gradient_small_at_the_views_scale_says_its_size() -> None:
    """Rosenbrock + sin·cos at (1, 1): |∇f| = 0.766 in a view where |∇f| is typically 7,700;
    the readouts above showed 0.765891 while the verdict said ∇f = 0."""
    v = classify(((801.545, -400.455), (-400.455, 199.545)), 0.765891, 7700.0)
    assert v.stationary and v.kind == "saddle"
    assert v.words.startswith("∇f ≈ 0 (|∇f| = 0.7659, under a thousandth of the 7700 typical")
    assert v.words.endswith(": a saddle")


def test_a_gradient_too_big_to_be_zero_is_not_a_stationary_point() -> None:
    v = classify(((2.0, 0.0), (0.0, 2.0)), 0.5, 10.0)
    assert not v.stationary and v.words.startswith("not a stationary point (|∇f| = 0.5)")
