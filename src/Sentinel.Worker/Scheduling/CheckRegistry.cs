using System.Collections.Concurrent;
using Sentinel.Probes.Checks;

namespace Sentinel.Worker.Scheduling;

/// <summary>The checks this node schedules, with the version each was loaded at. Jobs read their check here.</summary>
internal sealed class CheckRegistry
{
    private readonly ConcurrentDictionary<string, ScheduledCheck> _checks = new(StringComparer.Ordinal);

    public IEnumerable<ScheduledCheck> All => _checks.Values;

    public bool TryGet(string id, out ScheduledCheck check) => _checks.TryGetValue(id, out check!);

    public void Set(ScheduledCheck check) => _checks[check.Definition.Id] = check;

    public void Remove(string id) => _checks.TryRemove(id, out _);
}

/// <summary>A scheduled check.</summary>
internal sealed record ScheduledCheck(CheckDefinition Definition, long Version);
