using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// The settings of a <c>path</c> check (mtr-style): how many cycles of probes, how far apart, how deep, and
/// when loss or a latency step counts.
/// </summary>
internal sealed record PathSection : CheckSection
{
    /// <summary>Default cycles per run: 10, as mtr's report.</summary>
    public const int DefaultCycles = 10;

    /// <summary>Default deepest TTL: 30, as mtr and traceroute.</summary>
    public const int DefaultMaxHops = 30;

    /// <summary>The largest maxHops a check may set.</summary>
    public const int MaxHopsLimit = 64;

    /// <summary>Default port of UDP probes: 33434, traceroute's first port, where nothing listens as a rule.</summary>
    public const int DefaultUdpPort = 33434;

    /// <summary>Default port of TCP probes: 80, as mtr's.</summary>
    public const int DefaultTcpPort = 80;

    private static readonly Dictionary<string, PathProtocol> Protocols = new(StringComparer.Ordinal)
    {
        ["icmp"] = PathProtocol.Icmp,
        ["udp"] = PathProtocol.Udp,
        ["tcp"] = PathProtocol.Tcp,
    };

    /// <summary>Cycles per run, 1–1000; each sends one probe per hop. Default 10.</summary>
    public int Cycles { get; init; } = DefaultCycles;

    /// <summary>Time between cycles, 10 ms–10 s; default 500 ms.</summary>
    public TimeSpan Interval { get; init; } = EchoSettings.DefaultInterval;

    /// <summary>The deepest TTL probed, 1–64; default 30.</summary>
    public int MaxHops { get; init; } = DefaultMaxHops;

    /// <summary>IP packet size in bytes, header included, 28–9000; default 64 (mtr's default).</summary>
    public int Size { get; init; } = EchoSettings.DefaultSize;

    /// <summary>How long to wait for the answer to each probe, 10 ms–60 s; default 2 s.</summary>
    public TimeSpan ReplyTimeout { get; init; } = EchoSettings.DefaultReplyTimeout;

    /// <summary>The probe protocol: ICMP echo (default), UDP datagrams or TCP SYNs to <see cref="Port"/>.</summary>
    public PathProtocol Protocol { get; init; } = PathProtocol.Icmp;

    /// <summary>The destination port of UDP and TCP probes, 1–65535; default 33434 for UDP, 80 for TCP. Null for ICMP.</summary>
    public int? PortSetting { get; init; }

    /// <summary>The destination port of UDP and TCP probes.</summary>
    public int Port => PortSetting ?? (Protocol == PathProtocol.Tcp ? DefaultTcpPort : DefaultUdpPort);

    /// <summary>Destination loss above this ratio (0–1) is a <c>path_loss</c> failure; default 0 (any loss).</summary>
    public double MaxLoss { get; init; }

    /// <summary>A rise of the average round trip between consecutive hops that is reported when it lasts to the destination; default 50 ms.</summary>
    public TimeSpan LatencyJump { get; init; } = TimeSpan.FromMilliseconds(50);

    public static CheckSection? Read(JsonObjectReader? r)
    {
        var section = new PathSection
        {
            Cycles = r?.Integer("cycles", 1, 1000) ?? DefaultCycles,
            Interval = EchoSettings.Interval(r),
            MaxHops = r?.Integer("maxHops", 1, MaxHopsLimit) ?? DefaultMaxHops,
            Size = EchoSettings.Size(r),
            ReplyTimeout = EchoSettings.ReplyTimeout(r),
            Protocol = r?.Choice("protocol", Protocols) ?? PathProtocol.Icmp,
            PortSetting = r?.Integer("port", 1, 65535),
            MaxLoss = r?.Number("maxLoss", 0, 1) ?? 0,
            LatencyJump = r?.Duration("latencyJump", TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(60)) ?? TimeSpan.FromMilliseconds(50),
        };
        if (section is { Protocol: PathProtocol.Icmp, PortSetting: not null })
        {
            r!.Error("port", "is only for protocol \"udp\" or \"tcp\"; ICMP echo has no ports");
        }

        r?.Complete();
        return section;
    }

    /// <summary>
    /// The time between the TTLs of the first cycle, which walks the path until the destination answers: a tenth of
    /// the interval, as mtr spreads a round over its interval for its first guess of 10 hops. Sending every TTL at
    /// once would put up to <see cref="MaxHops"/> echo requests on the destination within a millisecond, and one
    /// that polices ICMP would drop some of the next cycles' probes as loss.
    /// </summary>
    public TimeSpan WalkGap => Interval / 10;

    /// <summary>
    /// When the last probe of a run goes out at most: with the last cycle, or at the end of the first cycle's walk
    /// to <see cref="MaxHops"/> when that comes later (few cycles, many hops).
    /// </summary>
    public TimeSpan LastSend => Max(EchoSettings.LastSend(Cycles, Interval), WalkGap * (MaxHops - 1));

    /// <summary>A run must fit in the check's timeout.</summary>
    public static IEnumerable<(string, string)> Validate(CheckDefinition check)
    {
        var section = check.SectionAs<PathSection>() ?? new PathSection();
        if (EchoSettings.FitsTimeout(check, section.LastSend, section.Schedule(), section.ReplyTimeout, "cycles") is { } error)
        {
            yield return ("timeout", error);
        }
    }

    /// <summary>How the last send comes after the first, in words.</summary>
    private string Schedule() => EchoSettings.LastSend(Cycles, Interval) >= WalkGap * (MaxHops - 1)
        ? $"{Cycles} cycles {Duration.Format(Interval)} apart"
        : $"the first cycle walks {MaxHops} hops {Duration.Format(WalkGap)} apart";

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>What a path probe sends.</summary>
internal enum PathProtocol
{
    /// <summary>ICMP echo requests (ICMPv6 for IPv6 targets), as mtr by default.</summary>
    Icmp,

    /// <summary>UDP datagrams to a port, as <c>mtr -u</c> and traceroute.</summary>
    Udp,

    /// <summary>TCP SYNs to a port, as <c>mtr -T</c>.</summary>
    Tcp,
}
