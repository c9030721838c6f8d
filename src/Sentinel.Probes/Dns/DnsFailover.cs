using DnsClient;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>
/// The system's resolvers as one resolver, asked the way libc's stub resolver and dig ask them (resolv.conf(5)):
/// one at a time, in order, the next only when one gives no usable answer — none in its time, a bad reply, or
/// SERVFAIL, NOTIMP or REFUSED, on which glibc's res_send moves on too. A dead secondary then costs nothing, and
/// a dead primary costs its share of the deadline instead of failing the check. libc gives each server the same
/// <c>timeout:</c> (5 s by default); here the check's timeout is the bound, so each server but the last gets an
/// equal share of it (the timeout divided by the number of servers) and the last gets all the time left.
/// </summary>
internal static class DnsFailover
{
    public static async Task<DnsServerAnswer> AskAsync(
        IReadOnlyList<DnsServer> servers, DnsQuery query, DnsSection section, CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var start = context.Time.GetTimestamp();
        var failed = new List<DnsServerAnswer>();
        for (var i = 0; ; i++)
        {
            // Whole milliseconds, for the messages: the deadline itself is the caller's token.
            var left = TimeSpan.FromMilliseconds(Math.Max(0, Math.Round((check.Timeout - context.Time.GetElapsedTime(start)).TotalMilliseconds)));

            DnsServerAnswer answer;
            if (i == servers.Count - 1)
            {
                answer = await DnsServerAnswer.AskAsync(servers[i], query, section, check, context, cancellationToken, failed.Count > 0 ? left : null).ConfigureAwait(false);
            }
            else
            {
                var share = check.Timeout / servers.Count;
                using var timer = new CancellationTokenSource(share, context.Time);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
                answer = await DnsServerAnswer.AskAsync(servers[i], query, section, check, context, attempt.Token, share).ConfigureAwait(false);
            }

            if (i == servers.Count - 1 || IsUsable(answer) || cancellationToken.IsCancellationRequested)
            {
                return failed.Count == 0 ? answer : With(answer, failed);
            }

            failed.Add(answer);
        }
    }

    /// <summary>An answer libc would take: any rcode but SERVFAIL, NOTIMP and REFUSED.</summary>
    private static bool IsUsable(DnsServerAnswer answer) =>
        answer.Failure is null && answer.Rcode is not (DnsHeaderResponseCode.ServerFailure or DnsHeaderResponseCode.NotImplemented or DnsHeaderResponseCode.Refused);

    private static DnsServerAnswer With(DnsServerAnswer answer, List<DnsServerAnswer> failed) => new()
    {
        Server = answer.Server,
        EndPoint = answer.EndPoint,
        Transport = answer.Transport,
        ResolveElapsed = answer.ResolveElapsed,
        Elapsed = answer.Elapsed,
        Truncated = answer.Truncated,
        Response = answer.Response,
        Failure = answer.Failure,
        FailedOver = failed,
        Answers = answer.Answers,
        Authority = answer.Authority,
        Additional = answer.Additional,
    };
}
