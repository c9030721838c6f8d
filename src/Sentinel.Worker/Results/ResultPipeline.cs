using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Results;

/// <summary>
/// Where every result goes: the latest-result view (for <c>/metrics</c>) is updated at once, and the result, made into
/// its row once here, is handed to the writer's bounded buffer (<see cref="ResultBuffer"/>). Publishing never waits for
/// storage: while PostgreSQL is away the writer spills to a local file, and a full buffer drops its oldest result.
/// Each <see cref="IResultConsumer"/> (alert evaluation) is handed the result once it is buffered.
/// </summary>
internal sealed class ResultPipeline(
    LatestResults latest, ResultBuffer buffer, IOptions<NodeOptions> node, ILogger<ResultPipeline> log, IEnumerable<IResultConsumer>? consumers = null)
{
    private readonly string _node = node.Value.Name;
    private readonly IResultConsumer[] _consumers = consumers?.ToArray() ?? [];

    /// <summary>Publishes a result of <paramref name="check"/>; completes at once.</summary>
    public ValueTask PublishAsync(CheckDefinition check, ProbeResult result, CancellationToken cancellationToken)
    {
        if (result.Id == Guid.Empty)
        {
            // A result made outside the runner still gets its identity here, once; a version 7 id cannot predate 1970.
            result = result with { Id = Guid.CreateVersion7(result.StartedAt > DateTimeOffset.UnixEpoch ? result.StartedAt : DateTimeOffset.UnixEpoch) };
        }

        var previous = latest.Record(check, result);
        if (previous?.Result.Status != result.Status)
        {
            LogTransition(check, result, previous?.Result.Status);
        }

        buffer.Add(ResultRow.From(result, _node));
        foreach (var consumer in _consumers)
        {
            consumer.Consume(check, result);
        }

        return ValueTask.CompletedTask;
    }

    private void LogTransition(CheckDefinition check, ProbeResult result, ProbeStatus? previous)
    {
        var from = previous is { } p ? ProbeResultJson.Name(p) : "new";
        switch (result.Status)
        {
            case ProbeStatus.Up:
                Log.CheckUp(log, check.Id, check.Target, from);
                break;
            case ProbeStatus.Unknown:
                Log.CheckUnknown(log, check.Id, check.Target, from, result.Failure!.Message, result.Failure.Hint);
                break;
            default:
                var problem = result.Failure ?? result.Problems[0];
                Log.CheckFailing(log, check.Id, check.Target, ProbeResultJson.Name(result.Status), from, problem.Category, problem.Message, problem.Hint);
                break;
        }
    }
}
