namespace Sentinel.Probes.Paths;

/// <summary>
/// The Wilson score interval of a loss ratio: the range of true loss ratios that k losses in n probes do
/// not contradict. Used to tell a hop that really loses more than the hops after it from sampling noise.
/// </summary>
internal static class LossInterval
{
    /// <summary>
    /// z for a two-sided 99.9 % interval. Two hops with the same true loss then give disjoint intervals with
    /// probability below about 10⁻⁵, so real loss is not mistaken for rate limiting by chance.
    /// </summary>
    public const double Z = 3.29;

    /// <summary>The interval for <paramref name="lost"/> of <paramref name="sent"/>.</summary>
    public static (double Low, double High) Of(int lost, int sent)
    {
        if (sent <= 0)
        {
            return (0, 1);
        }

        var p = lost / (double)sent;
        var z2 = Z * Z;
        var centre = (p + (z2 / (2 * sent))) / (1 + (z2 / sent));
        var half = Z / (1 + (z2 / sent)) * Math.Sqrt((p * (1 - p) / sent) + (z2 / (4.0 * sent * sent)));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>Whether the first loss is significantly higher than the second (their intervals do not overlap).</summary>
    public static bool ClearlyAbove(int lost, int sent, int otherLost, int otherSent) =>
        Of(lost, sent).Low > Of(otherLost, otherSent).High;
}
