namespace Sentinel.Probes.Protocols.Icmp;

/// <summary>
/// Round-trip times of one series of probes, with the figures mtr's report and ping print: last, best,
/// average, worst and the standard deviation in both forms. They differ in the divisor, and each tool that
/// Sentinel stands beside uses its own: mtr divides by n − 1 (the sample deviation, <c>net_stdev</c> in its
/// <c>ui/net.c</c>), ping's mdev and Grafana's synthetic-monitoring agent (pro-bing) by n (the population
/// deviation). For few replies the two differ noticeably: two round trips a and b give |a − b| / √2 against
/// |a − b| / 2.
/// </summary>
internal sealed class RttStats
{
    private double _mean;
    private double _squares;

    /// <summary>How many times were added.</summary>
    public int Count { get; private set; }

    /// <summary>The time added last.</summary>
    public TimeSpan Last { get; private set; }

    /// <summary>The shortest time.</summary>
    public TimeSpan Best { get; private set; } = TimeSpan.MaxValue;

    /// <summary>The longest time.</summary>
    public TimeSpan Worst { get; private set; }

    /// <summary>The mean.</summary>
    public TimeSpan Average => TimeSpan.FromMilliseconds(_mean);

    /// <summary>The sample standard deviation (divided by n − 1), as mtr reports it, to the tick (0.1 µs); zero for fewer than two times.</summary>
    public TimeSpan SampleStdDev => Count > 1 ? TimeSpan.FromMilliseconds(Math.Sqrt(_squares / (Count - 1))) : TimeSpan.Zero;

    /// <summary>The population standard deviation (divided by n), as ping's mdev; zero for fewer than two times.</summary>
    public TimeSpan PopulationStdDev => Count > 1 ? TimeSpan.FromMilliseconds(Math.Sqrt(_squares / Count)) : TimeSpan.Zero;

    /// <summary>Adds one round-trip time (Welford's update, stable for long series).</summary>
    public void Add(TimeSpan rtt)
    {
        Count++;
        Last = rtt;
        Best = rtt < Best ? rtt : Best;
        Worst = rtt > Worst ? rtt : Worst;
        var ms = rtt.TotalMilliseconds;
        var delta = ms - _mean;
        _mean += delta / Count;
        _squares += delta * (ms - _mean);
    }
}
