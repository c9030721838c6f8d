namespace Sentinel.Probes.Paths;

/// <summary>
/// Whether one hop's loss is clearly above another's: Fisher's exact test, one-sided, at <see cref="Alpha"/>.
/// Given how many probes the two hops lost together, it is the chance that at least as many of those losses
/// fell on the first hop if both lost probes at the same rate. The test is exact for any number of probes and
/// conservative: two hops with the same true loss, whatever that loss is, are told apart by chance in at most
/// one comparison in 1/<see cref="Alpha"/>. With few probes little can then be told apart (at 10 cycles, 9 of 10
/// lost against none of 10 is the least that counts), which is the point: at the default 10 cycles a hop that
/// lost 2 probes and one that lost none may well lose at the same rate.
/// </summary>
internal static class LossComparison
{
    /// <summary>The most often one comparison tells apart two hops with the same true loss: once in 10⁴.</summary>
    public const double Alpha = 1e-4;

    // log(n!) for every n a comparison of two hops of at most 1000 probes each needs; larger n are summed on.
    private static readonly double[] LogFactorials = BuildLogFactorials(2001);

    /// <summary>Whether <paramref name="hop"/>'s loss is clearly above <paramref name="other"/>'s.</summary>
    public static bool ClearlyAbove(HopStats hop, HopStats other) => ClearlyAbove(hop.Lost, hop.Sent, other.Lost, other.Sent);

    /// <summary>Whether <paramref name="lost"/> of <paramref name="sent"/> is clearly above <paramref name="otherLost"/> of <paramref name="otherSent"/>.</summary>
    public static bool ClearlyAbove(int lost, int sent, int otherLost, int otherSent) =>
        PValue(lost, sent, otherLost, otherSent) < Alpha;

    /// <summary>
    /// The one-sided p-value: P(X ≥ <paramref name="lost"/>) where X is hypergeometric, the number of the
    /// <paramref name="lost"/> + <paramref name="otherLost"/> losses that fall among the first hop's
    /// <paramref name="sent"/> of all <paramref name="sent"/> + <paramref name="otherSent"/> probes.
    /// </summary>
    public static double PValue(int lost, int sent, int otherLost, int otherSent)
    {
        // A ratio at or below the other's is never clearly above it (and spares the sum).
        if (sent <= 0 || otherSent <= 0 || (long)lost * otherSent <= (long)otherLost * sent)
        {
            return 1;
        }

        var losses = lost + otherLost;
        var all = LogChoose(sent + otherSent, losses);
        var p = 0.0;
        for (var x = lost; x <= Math.Min(losses, sent); x++)
        {
            p += Math.Exp(LogChoose(sent, x) + LogChoose(otherSent, losses - x) - all);
        }

        return Math.Min(1, p);
    }

    private static double LogChoose(int n, int k) => LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k);

    private static double LogFactorial(int n)
    {
        if (n < LogFactorials.Length)
        {
            return LogFactorials[n];
        }

        var sum = LogFactorials[^1];
        for (var i = LogFactorials.Length; i <= n; i++)
        {
            sum += Math.Log(i);
        }

        return sum;
    }

    private static double[] BuildLogFactorials(int count)
    {
        var table = new double[count];
        for (var i = 2; i < count; i++)
        {
            table[i] = table[i - 1] + Math.Log(i);
        }

        return table;
    }
}
