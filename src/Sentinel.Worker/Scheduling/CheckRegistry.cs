using System.Collections.Concurrent;
using Sentinel.Probes.Checks;

namespace Sentinel.Worker.Scheduling;

/// <summary>Every enabled check, with the version each was loaded at: any node of a cluster may fire any check. Jobs read their check here.</summary>
internal sealed class CheckRegistry
{
    private readonly ConcurrentDictionary<string, ScheduledCheck> _checks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _running = new(StringComparer.Ordinal);

    public IEnumerable<ScheduledCheck> All => _checks.Values;

    public bool TryGet(string id, out ScheduledCheck check) => _checks.TryGetValue(id, out check!);

    public void Set(ScheduledCheck check) => _checks[check.Definition.Id] = check;

    /// <summary>Adds a check unless the registry has it already (at whatever version).</summary>
    public void TryAdd(ScheduledCheck check) => _checks.TryAdd(check.Definition.Id, check);

    public void Remove(string id) => _checks.TryRemove(id, out _);

    /// <summary>Marks a run of the check as under way on this node; false when one is already.</summary>
    public bool TryStartRun(string id) => _running.TryAdd(id, true);

    /// <summary>Marks the run of the check on this node as finished.</summary>
    public void EndRun(string id) => _running.TryRemove(id, out _);
}

/// <summary>A scheduled check.</summary>
internal sealed record ScheduledCheck(CheckDefinition Definition, long Version);
