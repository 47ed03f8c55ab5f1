"""Change of variables, checked three ways: transformed samples, the analytic density, and TFP.

For an invertible y = f(z) with z ~ p_Z,   p_Y(y) = p_Z(f^{-1}(y)) |d f^{-1}(y) / dy|:

    y = 3 z,      z ~ U(0, 1):   p(y) = 1/3 on (0, 3)               TFP: tfb.Scale(3)
    y = z^2,      z ~ U(0, 1):   p(y) = 1 / (2 sqrt(y)) on (0, 1)   TFP: tfb.Square()
    y = w z + b,  z ~ N(0, 1):   p(y) = N(y; b, w^2)                TFP: tfb.Shift(b)(tfb.Scale(w))

Draws each density as a histogram of transformed samples with the analytic pdf and the pdf of
``tfd.TransformedDistribution`` on top, and asserts that (a) the TFP density equals the analytic one and
(b) the histogram's bin frequencies match the analytic bin probabilities (within 5 binomial standard errors).

    python examples/change_of_variables.py densities.png [--samples 200000] [--w 1.5 --b 0.5]
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow_probability as tfp  # noqa: E402
from scipy import stats  # noqa: E402

tfb, tfd = tfp.bijectors, tfp.distributions


def cases(w, b):
    """(title, base distribution, bijector, analytic pdf, analytic cdf, support) per transformation."""
    return [
        ("y = 3z, z ~ U(0, 1)", tfd.Uniform(0.0, 1.0), tfb.Scale(3.0),
         lambda y: np.full_like(y, 1.0 / 3.0), lambda y: y / 3.0, (0.0, 3.0)),
        ("y = z², z ~ U(0, 1)", tfd.Uniform(0.0, 1.0), tfb.Square(),
         lambda y: 0.5 / np.sqrt(y), np.sqrt, (0.0, 1.0)),
        (f"y = {w}z + {b}, z ~ N(0, 1)", tfd.Normal(0.0, 1.0), tfb.Shift(b)(tfb.Scale(w)),
         lambda y: stats.norm.pdf(y, b, abs(w)), lambda y: stats.norm.cdf(y, b, abs(w)),
         (b - 4.0 * abs(w), b + 4.0 * abs(w))),
    ]


def check_and_draw(ax, title, base, bijector, pdf, cdf, support, samples, seed):
    y = bijector.forward(base.sample(samples, seed=seed)).numpy()
    edges = np.linspace(*support, 41)
    counts, _ = np.histogram(y, bins=edges)
    expected = np.diff(cdf(edges))  # analytic probability of each bin
    tolerance = 5.0 * np.sqrt(expected * (1.0 - expected) / samples) + 1e-12
    assert np.all(np.abs(counts / samples - expected) <= tolerance), f"{title}: histogram differs from the pdf"

    grid = np.linspace(*support, 401)[1:-1]  # open interval: the pdfs of the uniform cases are 0 at the ends
    analytic = pdf(grid)
    via_tfp = tfd.TransformedDistribution(base, bijector).prob(grid.astype(np.float32)).numpy()
    np.testing.assert_allclose(via_tfp, analytic, rtol=1e-4, err_msg=f"{title}: TFP density differs")

    ax.hist(y, bins=edges, density=True, color="0.8", label="samples")
    ax.plot(grid, analytic, "k-", lw=2.5, label="analytic pdf")
    ax.plot(grid, via_tfp, "r--", lw=1.5, label="TransformedDistribution")
    ax.set_title(title, fontsize=10)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("png", help="output figure path")
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--w", type=float, default=1.5)
    parser.add_argument("--b", type=float, default=0.5)
    parser.add_argument("--quick", action="store_true", help="20,000 samples")
    args = parser.parse_args(argv)
    samples = 20_000 if args.quick else args.samples

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for i, (ax, case) in enumerate(zip(axes, cases(args.w, args.b))):
        check_and_draw(ax, *case, samples=samples, seed=i)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.png, dpi=100)
    print(f"histograms, analytic pdfs and TFP densities agree; figure written to {args.png}")


if __name__ == "__main__":
    main()
