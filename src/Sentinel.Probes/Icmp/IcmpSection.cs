using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Icmp;

/// <summary>The settings of an <c>icmp</c> check (ping): how many echo requests, how far apart, how big.</summary>
internal sealed record IcmpSection : CheckSection
{
    /// <summary>Echo requests per run, 1–100; default 5.</summary>
    public int Count { get; init; } = 5;

    /// <summary>Time between requests, 10 ms–10 s; default 500 ms.</summary>
    public TimeSpan Interval { get; init; } = EchoSettings.DefaultInterval;

    /// <summary>IP packet size in bytes, header included, 28–9000; default 64.</summary>
    public int Size { get; init; } = EchoSettings.DefaultSize;

    /// <summary>TTL (IPv6 hop limit) of the requests, 1–255; default 64.</summary>
    public int Ttl { get; init; } = 64;

    /// <summary>How long to wait for each answer, 10 ms–60 s; default 2 s.</summary>
    public TimeSpan ReplyTimeout { get; init; } = EchoSettings.DefaultReplyTimeout;

    public static CheckSection? Read(JsonObjectReader? r)
    {
        var section = new IcmpSection
        {
            Count = r?.Integer("count", 1, 100) ?? 5,
            Interval = EchoSettings.Interval(r),
            Size = EchoSettings.Size(r),
            Ttl = r?.Integer("ttl", 1, 255) ?? 64,
            ReplyTimeout = EchoSettings.ReplyTimeout(r),
        };
        r?.Complete();
        return section;
    }

    /// <summary>A run must fit in the check's timeout.</summary>
    public static IEnumerable<(string, string)> Validate(CheckDefinition check)
    {
        var section = check.SectionAs<IcmpSection>() ?? new IcmpSection();
        var schedule = $"{section.Count} requests {Duration.Format(section.Interval)} apart";
        if (EchoSettings.FitsTimeout(check, EchoSettings.LastSend(section.Count, section.Interval), schedule, section.ReplyTimeout, "requests") is { } error)
        {
            yield return ("timeout", error);
        }
    }
}
