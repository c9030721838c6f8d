using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Resilience;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Alerting;

/// <summary>
/// Evaluates the alert rules over every result as the pipeline publishes it: the check's own "check failing" alert,
/// the expiry alert of the certificate it served, its DNS or header posture drift, and this node's "Sentinel is blind" alert. Results wait in a bounded queue of their own, so that probing never
/// waits for alerting; each evaluation is one transaction in PostgreSQL (<see cref="AlertStore"/>), retried with
/// <see cref="Backoff"/> while the database is away. When the queue is full (the database away for long), results
/// are not evaluated, and that is logged: a later result of the same check is.
/// </summary>
internal sealed class AlertEvaluator : BackgroundService, IResultConsumer
{
    /// <summary>Results that may wait for evaluation: 10,000.</summary>
    public const int QueueCapacity = 10_000;

    private static readonly TimeSpan ShutdownBudget = TimeSpan.FromSeconds(5);

    private readonly Channel<(CheckDefinition Check, ProbeResult Result)> _queue = Channel.CreateBounded<(CheckDefinition, ProbeResult)>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly AlertStore _store;
    private readonly AlertPolicy _policy;
    private readonly DatabaseState _database;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertEvaluator> _log;
    private readonly BlindWatch _blind;
    private readonly string _node;
    private readonly ResiliencePipeline _retry;
    private bool? _blindApplied;
    private int _fullReported;
    private string _evaluating = string.Empty;

    private readonly OutboxSignal? _signal;
    private readonly CertificateAlerts _certificates;
    private readonly DnsDriftAlerts _dnsDrift;
    private readonly HeaderDriftAlerts _headerDrift;

    public AlertEvaluator(
        AlertStore store, AlertPolicy policy, DatabaseState database, IOptions<NodeOptions> node, TimeProvider time, ILogger<AlertEvaluator> log, OutboxSignal? signal = null)
    {
        _signal = signal;
        _certificates = new CertificateAlerts(store, policy);
        _dnsDrift = new DnsDriftAlerts(store, policy);
        _headerDrift = new HeaderDriftAlerts(store, policy);
        _store = store;
        _policy = policy;
        _database = database;
        _time = time;
        _log = log;
        _blind = new BlindWatch(time);
        _node = node.Value.Name;
        _retry = Backoff.Create(time, IsTransient, (ex, delay) => Log.EvaluationFailed(log, _evaluating, ex.Message, Backoff.Seconds(delay)));
    }

    /// <inheritdoc/>
    public void Consume(CheckDefinition check, ProbeResult result)
    {
        if (_queue.Writer.TryWrite((check, result)))
        {
            Interlocked.Exchange(ref _fullReported, 0);
        }
        else if (Interlocked.Exchange(ref _fullReported, 1) == 0)
        {
            Log.EvaluationQueueFull(_log, QueueCapacity);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _database.WaitAsync(stoppingToken).ConfigureAwait(false);
            await foreach (var (check, result) in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                _evaluating = check.Id;
                try
                {
                    await _retry.ExecuteAsync(ct => new ValueTask(EvaluateAsync(check, result, ct)), stoppingToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (!ex.IsTransient)
                {
                    // The database refuses this evaluation (not a connection problem): the next result tries again.
                    Log.EvaluationRejected(_log, check.Id, ex.MessageText);
                }
            }
        }
        catch (Exception ex) when (stoppingToken.IsCancellationRequested && (ex is OperationCanceledException || IsTransient(ex)))
        {
            await DrainAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Evaluates one result: the check's alerts, then this node's blindness.</summary>
    internal async Task EvaluateAsync(CheckDefinition check, ProbeResult result, CancellationToken cancellationToken)
    {
        if (_policy.For(check) is { } rule)
        {
            var channels = KnownChannels(check.Id, rule.Notify);
            var now = _time.GetUtcNow();
            var change = await _store.ApplyAsync(
                AlertKinds.CheckFailing, check.Id, check.Name, AlertLimits.Name(rule.Severity), now,
                alert => CheckFailingRule.Apply(alert, rule, check, result, now),
                (before, decision) => AlertMessages.CheckFailing(before, decision.Next, decision.Event!.Value, rule, check, result, _policy.LinkTo(check.Id)),
                channels, cancellationToken).ConfigureAwait(false);
            Report(change);
            foreach (var certificate in await _certificates.EvaluateAsync(check, result, now, cancellationToken).ConfigureAwait(false))
            {
                Report(certificate);
            }

            Report(await _dnsDrift.EvaluateAsync(check, result, KnownChannels(check.Id, _policy.DnsChannels), now, cancellationToken).ConfigureAwait(false));
            Report(await _headerDrift.EvaluateAsync(check, result, channels, now, cancellationToken).ConfigureAwait(false));
        }

        var verdict = _blind.Observe(result);
        if (verdict.Blind != _blindApplied)
        {
            var now = _time.GetUtcNow();
            var change = await _store.ApplyAsync(
                AlertKinds.SentinelBlind, _node, $"Sentinel on {_node}", "critical", now,
                alert => BlindDecision(alert, verdict, now),
                (_, decision) => AlertMessages.Blind(decision.Next, decision.Event!.Value, verdict, now),
                KnownChannels(_node, _policy.Defaults.Notify), cancellationToken).ConfigureAwait(false);
            _blindApplied = verdict.Blind;
            Report(change);
        }
    }

    private static AlertDecision? BlindDecision(Alert alert, BlindVerdict verdict, DateTimeOffset now) => (alert.State, verdict.Blind) switch
    {
        (AlertState.Firing, false) => new AlertDecision(alert with { State = AlertState.Resolved, Since = now, Sequence = alert.Sequence + 1, LastNotifiedAt = now, UpdatedAt = now }, AlertEvent.Resolved),
        (not AlertState.Firing, true) => new AlertDecision(
            alert with { State = AlertState.Firing, Since = now, Sequence = alert.Sequence + 1, LastNotifiedAt = now, UpdatedAt = now, Reason = verdict.Reason }, AlertEvent.Firing),
        _ => null,
    };

    private List<string> KnownChannels(string subject, IReadOnlyList<string> channels)
    {
        // A stored check may name a channel the configuration has lost since; the others still hear of it.
        var known = channels.Where(c => _policy.ChannelNames.Contains(c)).ToList();
        foreach (var missing in channels.Except(known))
        {
            Log.UnknownChannel(_log, subject, missing);
        }

        return known;
    }

    private void Report(AlertChange? change)
    {
        if (change is { Event: { } @event } && change.After is var after)
        {
            Log.AlertChanged(_log, after.Kind, after.Key, Alert.Name(@event), after.Title, change.Queued);
            if (change.Queued > 0)
            {
                _signal?.Notify();
            }
        }
    }

    private async Task DrainAsync()
    {
        using var budget = new CancellationTokenSource(ShutdownBudget, _time);
        try
        {
            if (_database.Ready.IsCompleted)
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    await EvaluateAsync(item.Check, item.Result, budget.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (IsTransient(ex) || ex is OperationCanceledException)
        {
            // Counted below.
        }

        if (_queue.Reader.Count > 0)
        {
            Log.ResultsNotEvaluated(_log, _queue.Reader.Count);
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is NpgsqlException { IsTransient: true } or TimeoutException or System.Net.Sockets.SocketException or IOException
            || (ex is NpgsqlException && ex is not PostgresException);
}
