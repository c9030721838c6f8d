using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;
using Sentinel.Worker.Resilience;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Alerting;

/// <summary>How the sender paces itself; the defaults suit production, tests shorten them.</summary>
/// <param name="Poll">How often an idle channel looks at the outbox for rows other nodes queued: 5 s.</param>
/// <param name="Lease">How long a claimed row is this sender's before another may send it: 5 min.</param>
/// <param name="Round">How long one row is retried before it goes back to the outbox for any sender: 2 min.</param>
/// <param name="BreakDuration">How long a channel's circuit stays open after repeated failures: 30 s.</param>
internal sealed record OutboxTimings(TimeSpan Poll, TimeSpan Lease, TimeSpan Round, TimeSpan BreakDuration)
{
    public static OutboxTimings Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(30));
}

/// <summary>
/// Drains the outbox, one loop per channel so that a mail server that is down does not hold webhooks back. Each row
/// is claimed for a lease, delivered through <see cref="Backoff"/> (exponential back-off with jitter on transient
/// failures) around a circuit breaker of the channel's own, and marked sent only after the peer accepted it. A
/// permanent rejection marks it failed with the peer's reason. A crash between the peer's acceptance and the mark
/// sends that one row again once its lease ran out: delivery is at-least-once, never lost.
/// </summary>
internal sealed class OutboxSender : BackgroundService
{
    private readonly OutboxStore _store;
    private readonly NotificationChannels _channels;
    private readonly OutboxSignal _signal;
    private readonly DatabaseState _database;
    private readonly OutboxTimings _timings;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxSender> _log;
    private readonly Counter<long> _notifications;
    private readonly ResiliencePipeline _databaseRetry;

    // Marking a delivered row outlives the stop signal by a grace period, so that a stop right after the peer accepted
    // does not send that row again at the next start.
    private readonly CancellationTokenSource _marking = new();
    private ITimer? _markingGrace;
    private long _depth;
    private IReadOnlyList<(string Kind, string Severity, long Count)> _firing = [];

    public OutboxSender(
        OutboxStore store,
        NotificationChannels channels,
        OutboxSignal signal,
        DatabaseState database,
        OutboxTimings timings,
        TimeProvider time,
        Meter meter,
        ILogger<OutboxSender> log)
    {
        _store = store;
        _channels = channels;
        _signal = signal;
        _database = database;
        _timings = timings;
        _time = time;
        _log = log;
        _notifications = meter.CreateCounter<long>("sentinel_notifications_total", description: "Notification deliveries by channel and outcome: sent, failed (rejected for good), retried.");

        // Every configured channel's series exist from the start, at 0, so that rate() and increase() see the first delivery.
        foreach (var channel in channels.All)
        {
            foreach (var outcome in (ReadOnlySpan<string>)["sent", "failed", "retried"])
            {
                _notifications.Add(0, new("channel", channel.Name), new("outcome", outcome));
            }
        }

        meter.CreateObservableGauge("sentinel_outbox_depth", () => Interlocked.Read(ref _depth), description: "Notifications queued and not yet sent, as this node last counted them.");
        meter.CreateObservableGauge("sentinel_alerts_firing", Firing, description: "Alerts firing, by kind and severity, as this node last counted them.");
        _databaseRetry = Backoff.Create(time, IsDatabaseTransient, (ex, delay) => Log.OutboxDatabaseFailed(log, ex.Message, Backoff.Seconds(delay)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _database.WaitAsync(stoppingToken).ConfigureAwait(false);
            var names = _channels.All.Select(c => c.Name).ToList();
            var orphans = await _databaseRetry.ExecuteAsync(ct => new ValueTask<int>(_store.FailUnknownChannelsAsync(names, ct)), stoppingToken).ConfigureAwait(false);
            if (orphans > 0)
            {
                Log.OrphanedNotifications(_log, orphans);
            }

            await Task.WhenAll(_channels.All.Select(c => RunAsync(c, stoppingToken)).Append(CountAsync(stoppingToken))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; claimed rows were released or run out their lease.
        }
    }

    private async Task RunAsync(INotificationChannel channel, CancellationToken stoppingToken)
    {
        var attempts = 0;

        // The peer's own words for the last failure; an open circuit's rejections say nothing about the peer.
        string? reason = null;
        var delivery = Backoff.Create(
            _time,
            IsDeliveryTransient,
            (ex, delay) =>
            {
                reason = ex is DeliveryException ? ex.Message : reason;
                _notifications.Add(1, new("channel", channel.Name), new("outcome", "retried"));
                Log.DeliveryRetrying(_log, channel.Name, ex.Message, Backoff.Seconds(delay));
            },
            inner: builder => builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 1.0,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromSeconds(60),
                BreakDuration = _timings.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is DeliveryException { Permanent: false }),
                OnOpened = _ =>
                {
                    Log.ChannelDown(_log, channel.Name, Backoff.Seconds(_timings.BreakDuration));
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    Log.ChannelBack(_log, channel.Name);
                    return ValueTask.CompletedTask;
                },
            }));

        while (!stoppingToken.IsCancellationRequested)
        {
            // Waiting starts before looking, so that a row queued meanwhile is not missed.
            var wake = _signal.Next;
            var now = _time.GetUtcNow();
            var message = await _databaseRetry.ExecuteAsync(
                ct => new ValueTask<OutboxMessage?>(_store.ClaimAsync(channel.Name, now, now + _timings.Lease, ct)), stoppingToken).ConfigureAwait(false);
            if (message is null)
            {
                await WaitAsync(wake, stoppingToken).ConfigureAwait(false);
                continue;
            }

            attempts = message.Attempts;
            reason = null;
            using var roundTimer = new CancellationTokenSource(_timings.Round, _time);
            using var round = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, roundTimer.Token);
            try
            {
                await delivery.ExecuteAsync(
                    async _ =>
                    {
                        attempts++;

                        // The round bounds the retries, not an attempt under way: one cut short after the server took
                        // the message would send it again next round. Each channel bounds its own attempt (30 s).
                        await channel.DeliverAsync(message, stoppingToken).ConfigureAwait(false);
                    },
                    round.Token).ConfigureAwait(false);
                await MarkAsync(ct => _store.MarkSentAsync(message.Id, attempts, _time.GetUtcNow(), ct)).ConfigureAwait(false);
                _notifications.Add(1, new("channel", channel.Name), new("outcome", "sent"));
                Log.Delivered(_log, channel.Name, message.Subject, attempts);
            }
            catch (DeliveryException ex) when (ex.Permanent)
            {
                await MarkAsync(ct => _store.MarkFailedAsync(message.Id, attempts, ex.Message, ct)).ConfigureAwait(false);
                _notifications.Add(1, new("channel", channel.Name), new("outcome", "failed"));
                Log.DeliveryRejected(_log, channel.Name, message.Subject, ex.Message);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && (IsDeliveryTransient(ex) || ex is OperationCanceledException))
            {
                // The round is over and the peer is still away: back to the outbox, due at once, for whichever sender is next.
                var why = ex is DeliveryException ? ex.Message : reason ?? ex.Message;
                await MarkAsync(ct => _store.ReleaseAsync(message.Id, attempts, why, _time.GetUtcNow(), ct)).ConfigureAwait(false);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping mid-delivery: give the row back so that the next start (or another node) sends it without waiting for the lease.
                await ReleaseOnStopAsync(message, attempts).ConfigureAwait(false);
                throw new OperationCanceledException(stoppingToken);
            }
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _markingGrace = _time.CreateTimer(_ => _marking.Cancel(), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        return base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _markingGrace?.Dispose();
        _marking.Dispose();
        base.Dispose();
    }

    private async Task MarkAsync(Func<CancellationToken, Task> mark) =>
        await _databaseRetry.ExecuteAsync(ct => new ValueTask(mark(ct)), _marking.Token).ConfigureAwait(false);

    private async Task ReleaseOnStopAsync(OutboxMessage message, int attempts)
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(2), _time);
        try
        {
            await _store.ReleaseAsync(message.Id, attempts, null, _time.GetUtcNow(), budget.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDatabaseTransient(ex) || ex is OperationCanceledException)
        {
            // The lease runs out instead.
        }
    }

    private async Task WaitAsync(Task wake, CancellationToken stoppingToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(_timings.Poll, _time, poll.Token);
        await Task.WhenAny(wake, delay).ConfigureAwait(false);
        await poll.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Every kind and severity, with 0 when none fires, so that the series exist from the start (a bounded set:
    /// five kinds, two severities).
    /// </summary>
    private IEnumerable<Measurement<long>> Firing()
    {
        var firing = Volatile.Read(ref _firing);
        foreach (var kind in AlertKinds.All)
        {
            foreach (var severity in new[] { "critical", "warning" })
            {
                var count = firing.Where(f => f.Kind == kind && f.Severity == severity).Sum(f => f.Count);
                yield return new Measurement<long>(count, new("kind", kind), new("severity", severity));
            }
        }
    }

    /// <summary>Counts the queued rows and the firing alerts for <c>/metrics</c>, at the poll interval.</summary>
    private async Task CountAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Interlocked.Exchange(ref _depth, await _store.DepthAsync(stoppingToken).ConfigureAwait(false));
                Volatile.Write(ref _firing, await _store.FiringAsync(stoppingToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (IsDatabaseTransient(ex))
            {
                // The gauge keeps its last count until the database answers again.
            }

            await Task.Delay(_timings.Poll, _time, stoppingToken).ConfigureAwait(false);
        }
    }

    private static bool IsDeliveryTransient(Exception ex) => ex is DeliveryException { Permanent: false } or BrokenCircuitException;

    private static bool IsDatabaseTransient(Exception ex) =>
        ex is NpgsqlException { IsTransient: true } or TimeoutException or System.Net.Sockets.SocketException or IOException
            || (ex is NpgsqlException && ex is not PostgresException);
}
