using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;

namespace Sentinel.Worker.Results;

/// <summary>
/// Where every result goes: the latest-result view (for <c>/metrics</c>) is updated at once, and the result
/// is queued for the database writer. The queue is bounded; when it is full (the database is away for long),
/// publishing waits rather than dropping a result. Each <see cref="IResultConsumer"/> (alert evaluation) is handed the
/// result once it is queued.
/// </summary>
internal sealed class ResultPipeline
{
    private readonly Channel<ProbeResult> _queue;
    private readonly LatestResults _latest;
    private readonly ILogger<ResultPipeline> _log;
    private readonly IResultConsumer[] _consumers;

    public ResultPipeline(LatestResults latest, IOptions<ResultOptions> options, ILogger<ResultPipeline> log, IEnumerable<IResultConsumer>? consumers = null)
    {
        _latest = latest;
        _log = log;
        _consumers = consumers?.ToArray() ?? [];
        _queue = Channel.CreateBounded<ProbeResult>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>Results waiting to be written.</summary>
    public ChannelReader<ProbeResult> Pending => _queue.Reader;

    /// <summary>Publishes a result of <paramref name="check"/>.</summary>
    public async ValueTask PublishAsync(CheckDefinition check, ProbeResult result, CancellationToken cancellationToken)
    {
        if (result.Id == Guid.Empty)
        {
            // A result made outside the runner still gets its identity here, once; a version 7 id cannot predate 1970.
            result = result with { Id = Guid.CreateVersion7(result.StartedAt > DateTimeOffset.UnixEpoch ? result.StartedAt : DateTimeOffset.UnixEpoch) };
        }

        var previous = _latest.Record(check, result);
        if (previous?.Result.Status != result.Status)
        {
            LogTransition(check, result, previous?.Result.Status);
        }

        await _queue.Writer.WriteAsync(result, cancellationToken).ConfigureAwait(false);
        foreach (var consumer in _consumers)
        {
            consumer.Consume(check, result);
        }
    }

    private void LogTransition(CheckDefinition check, ProbeResult result, ProbeStatus? previous)
    {
        var from = previous is { } p ? ProbeResultJson.Name(p) : "new";
        switch (result.Status)
        {
            case ProbeStatus.Up:
                Log.CheckUp(_log, check.Id, check.Target, from);
                break;
            case ProbeStatus.Unknown:
                Log.CheckUnknown(_log, check.Id, check.Target, from, result.Failure!.Message, result.Failure.Hint);
                break;
            default:
                var problem = result.Failure ?? result.Problems[0];
                Log.CheckFailing(_log, check.Id, check.Target, ProbeResultJson.Name(result.Status), from, problem.Category, problem.Message, problem.Hint);
                break;
        }
    }
}
