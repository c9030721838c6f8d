namespace Sentinel.Probes.Tests.Paths;

/// <summary>
/// Exact binomial bounds for loss figures in tests. With n probes each lost with probability p, the count
/// of losses is Binomial(n, p); <see cref="Acceptance"/> gives the range of counts outside which a correct
/// implementation falls with probability at most α — so a test asserting it fails by chance at most that often.
/// </summary>
internal static class Binomial
{
    /// <summary>The chance of a false failure each loss assertion allows: one in a million.</summary>
    public const double Alpha = 1e-6;

    /// <summary>The smallest and largest counts with P(X &lt; low) ≤ α/2 and P(X &gt; high) ≤ α/2.</summary>
    public static (int Low, int High) Acceptance(int n, double p, double alpha = Alpha)
    {
        var pmf = Enumerable.Range(0, n + 1).Select(k => Math.Exp(LogChoose(n, k) + (k * Math.Log(p)) + ((n - k) * Math.Log(1 - p)))).ToArray();
        var low = 0;
        for (double tail = 0; low <= n && tail + pmf[low] <= alpha / 2; low++)
        {
            tail += pmf[low];
        }

        var high = n;
        for (double tail = 0; high >= 0 && tail + pmf[high] <= alpha / 2; high--)
        {
            tail += pmf[high];
        }

        return (low, high);
    }

    /// <summary>
    /// Whether <paramref name="lost"/> of <paramref name="sent"/> and <paramref name="otherLost"/> of
    /// <paramref name="otherSent"/> are consistent with one loss rate: neither tail of Fisher's exact test (the
    /// hypergeometric split of all losses between the two) is below α/2, so two tools measuring the same loss
    /// fail this by chance with probability at most α, whatever the loss.
    /// </summary>
    public static bool SameRate(int lost, int sent, int otherLost, int otherSent, double alpha = Alpha)
    {
        var losses = lost + otherLost;
        var all = LogChoose(sent + otherSent, losses);
        double Split(int x) => Math.Exp(LogChoose(sent, x) + LogChoose(otherSent, losses - x) - all);
        var low = Math.Max(0, losses - otherSent);
        var high = Math.Min(losses, sent);
        var upper = Enumerable.Range(lost, high - lost + 1).Sum(Split);
        var lower = Enumerable.Range(low, lost - low + 1).Sum(Split);
        return upper > alpha / 2 && lower > alpha / 2;
    }

    private static double LogChoose(int n, int k) => LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k);

    private static double LogFactorial(int n)
    {
        double sum = 0;
        for (var i = 2; i <= n; i++)
        {
            sum += Math.Log(i);
        }

        return sum;
    }
}
