using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Icmp;

/// <summary>
/// The settings the <c>icmp</c> and <c>path</c> sections share, with their bounds, read the same way for both.
/// </summary>
internal static class EchoSettings
{
    /// <summary>Default packet size: 64 bytes including the IP header, as mtr's default.</summary>
    public const int DefaultSize = 64;

    /// <summary>The largest packet size: a jumbo frame.</summary>
    public const int MaxSize = 9000;

    /// <summary>The smallest packet size: an IPv4 header and an echo header (IPv6 probes are then 48 bytes).</summary>
    public const int MinSize = IcmpPacket.Ipv4HeaderLength + IcmpPacket.EchoHeaderLength;

    /// <summary>Default time between echo requests (or path cycles): 500 ms.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Default time to wait for the answer to one echo request: 2 s.</summary>
    public static readonly TimeSpan DefaultReplyTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MinReplyTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxReplyTimeout = TimeSpan.FromSeconds(60);

    public static TimeSpan Interval(JsonObjectReader? r) =>
        r?.Duration("interval", MinInterval, MaxInterval) ?? DefaultInterval;

    public static TimeSpan ReplyTimeout(JsonObjectReader? r) =>
        r?.Duration("replyTimeout", MinReplyTimeout, MaxReplyTimeout) ?? DefaultReplyTimeout;

    public static int Size(JsonObjectReader? r) => r?.Integer("size", MinSize, MaxSize) ?? DefaultSize;

    /// <summary>
    /// How long a run of <paramref name="rounds"/> sends takes at most: the last one goes out after
    /// (rounds − 1) intervals, and its answer may take the reply timeout.
    /// </summary>
    public static TimeSpan RunLength(int rounds, TimeSpan interval, TimeSpan replyTimeout) =>
        (interval * (rounds - 1)) + replyTimeout;

    /// <summary>The error when a run cannot finish within the check's timeout, or null.</summary>
    public static string? FitsTimeout(CheckDefinition check, string rounds, int count, TimeSpan interval, TimeSpan replyTimeout)
    {
        var needed = RunLength(count, interval, replyTimeout);
        return needed < check.Timeout
            ? null
            : $"must exceed what one run takes at most, {Duration.Format(needed)} ({count} {rounds} {Duration.Format(interval)} apart, plus {Duration.Format(replyTimeout)} for the last answer), but is {Duration.Format(check.Timeout)}; raise the timeout (and the interval) or send fewer {rounds}";
    }
}
