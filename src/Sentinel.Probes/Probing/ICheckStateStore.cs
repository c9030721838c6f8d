using System.Collections.Concurrent;

namespace Sentinel.Probes.Probing;

/// <summary>
/// Small JSON state a probe keeps per check between runs (a DNS baseline, the last certificate fingerprint).
/// The daemon keeps it in PostgreSQL so that a restart or another node sees the same state.
/// </summary>
internal interface ICheckStateStore
{
    /// <summary>The stored JSON for <paramref name="key"/>, or null.</summary>
    ValueTask<CheckState?> GetAsync(string checkId, string key, CancellationToken cancellationToken);

    /// <summary>Stores JSON for <paramref name="key"/>, noting who stored it.</summary>
    ValueTask SetAsync(string checkId, string key, string json, string updatedBy, CancellationToken cancellationToken);
}

/// <summary>One stored piece of check state.</summary>
/// <param name="Json">The JSON value.</param>
/// <param name="UpdatedAt">When it was stored.</param>
/// <param name="UpdatedBy">Who stored it (a node name, or a user for accepted baselines).</param>
internal sealed record CheckState(string Json, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>State kept in memory, for one-shot runs and tests.</summary>
internal sealed class InMemoryCheckStateStore(TimeProvider? time = null) : ICheckStateStore
{
    private readonly ConcurrentDictionary<(string, string), CheckState> _states = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public ValueTask<CheckState?> GetAsync(string checkId, string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_states.TryGetValue((checkId, key), out var state) ? state : null);

    public ValueTask SetAsync(string checkId, string key, string json, string updatedBy, CancellationToken cancellationToken)
    {
        _states[(checkId, key)] = new CheckState(json, _time.GetUtcNow(), updatedBy);
        return ValueTask.CompletedTask;
    }
}
