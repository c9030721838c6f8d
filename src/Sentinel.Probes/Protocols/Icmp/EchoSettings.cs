using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Protocols.Icmp;

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
    /// What a run's timeout must leave beyond its last send and the wait for that send's answer: 1 s, for
    /// resolving the target's name, opening the socket, storing the route, and a busy node's late timers. Sends
    /// follow an absolute schedule (<see cref="EchoSchedule"/>), so lateness does not add up over a run and a
    /// fixed margin covers long runs as well as short ones.
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    /// <summary>The time a run needs at most: its last send, the wait for that send's answer, and <see cref="Margin"/>.</summary>
    public static TimeSpan Needed(TimeSpan lastSend, TimeSpan replyTimeout) => lastSend + replyTimeout + Margin;

    /// <summary>When the last of <paramref name="rounds"/> sends <paramref name="interval"/> apart goes out: (rounds − 1) intervals after the first.</summary>
    public static TimeSpan LastSend(int rounds, TimeSpan interval) => interval * Math.Max(0, rounds - 1);

    /// <summary>
    /// The error when a run cannot finish within the check's timeout, or null. <paramref name="schedule"/> says
    /// how the last send comes <paramref name="lastSend"/> after the first ("100 cycles 500ms apart").
    /// </summary>
    public static string? FitsTimeout(CheckDefinition check, TimeSpan lastSend, string schedule, TimeSpan replyTimeout, string rounds)
    {
        var needed = Needed(lastSend, replyTimeout);
        return needed < check.Timeout
            ? null
            : $"must exceed what one run takes at most, {Duration.Format(needed)} ({schedule}, plus {Duration.Format(replyTimeout)} for the last answer and {Duration.Format(Margin)} to resolve the name and spare), but is {Duration.Format(check.Timeout)}; raise the timeout (and the interval) or send fewer {rounds}";
    }
}
