using Polly;
using Polly.Retry;

namespace Sentinel.Worker.Resilience;

/// <summary>
/// Sentinel's one way of waiting for a peer to come back: a Polly retry pipeline that tries again for as long as its
/// caller runs, each wait longer than the last, up to a ceiling. PostgreSQL uses it at start-up (migrations) and for
/// every batch of results and alert evaluations; alerting's SMTP and webhook deliveries use it with a circuit breaker
/// inside (one per channel). Nothing is dropped while the peer is away: the caller keeps its work and waits.
/// </summary>
/// <remarks>
/// Defaults: the first wait is about <see cref="FirstDelay"/> (1 s), each next about twice the last (exponential
/// back-off), never more than <see cref="MaxDelay"/> (30 s), with no limit on the attempts. The waits are jittered
/// (Polly's decorrelated jitter, whose median follows 1, 2, 4, 8 … s) so that nodes that lost the same peer do not
/// all come back at the same instant. Only the failures the caller calls transient are retried, and none once the
/// caller is being cancelled: it is stopping, and the failure is its to handle. Waits run on the caller's
/// <see cref="TimeProvider"/>, so a fake clock drives them in tests.
/// </remarks>
internal static class Backoff
{
    /// <summary>The median first wait: 1 s.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait: 30 s, so that a peer that is back is used again within half a minute.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A pipeline that retries what <paramref name="isTransient"/> accepts, calling <paramref name="onRetry"/> with the
    /// failure and the coming wait before each wait (to log it, count it, remember it).
    /// </summary>
    /// <param name="time">The clock the waits run on; the host's, from DI.</param>
    /// <param name="isTransient">Which failures are the peer's and may pass; any other is thrown at once.</param>
    /// <param name="onRetry">Told of each failure that will be retried, and how long until then.</param>
    /// <param name="randomizer">The jitter's source of numbers in [0, 1); default Polly's. Tests fix it.</param>
    /// <param name="inner">
    /// Strategies each attempt runs through, inside the retry (a circuit breaker); their failures reach
    /// <paramref name="isTransient"/> like the peer's.
    /// </param>
    public static ResiliencePipeline Create(
        TimeProvider time,
        Func<Exception, bool> isTransient,
        Action<Exception, TimeSpan> onRetry,
        Func<double>? randomizer = null,
        Action<ResiliencePipelineBuilder>? inner = null)
    {
        var retry = new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = FirstDelay,
            MaxDelay = MaxDelay,
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } ex && isTransient(ex) && !args.Context.CancellationToken.IsCancellationRequested),
            OnRetry = args =>
            {
                onRetry(args.Outcome.Exception!, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        };
        if (randomizer is not null)
        {
            retry.Randomizer = randomizer;
        }

        var builder = new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(retry);
        inner?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>A wait as logs state it: seconds to one decimal (jitter makes the rest noise).</summary>
    public static double Seconds(TimeSpan delay) => Math.Round(delay.TotalSeconds, 1);
}
