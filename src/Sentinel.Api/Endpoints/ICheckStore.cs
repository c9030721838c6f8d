using Sentinel.Probes.Checks;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// The checks as the API reads and writes them; the worker implements it over the <c>checks</c> table. Every write
/// records the change (who, when, before and after) in the same transaction, and signals the change so that every
/// node's scheduler follows it.
/// </summary>
public interface ICheckStore
{
    /// <summary>One check; null when no check has the id.</summary>
    Task<CheckRecord?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <see cref="CheckQuery.Limit"/> checks with an id after <see cref="CheckQuery.After"/> that pass the
    /// filters, in id order (ordinal), plus whether more follow.
    /// </summary>
    Task<(IReadOnlyList<CheckRecord> Items, bool More)> ListAsync(CheckQuery query, CancellationToken cancellationToken);

    /// <summary>Stores a new API-owned check; <see cref="CheckWriteStatus.Conflict"/> with the existing one when the id is taken.</summary>
    Task<CheckWrite> CreateAsync(ParsedCheck check, string actor, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the definition of an API-owned check if it is still at <paramref name="expected"/> (version and
    /// creation time, which the ETag names); the action (<c>replace</c>, <c>patch</c>) is recorded in the history.
    /// </summary>
    Task<CheckWrite> ReplaceAsync(ParsedCheck check, CheckVersion expected, string action, string actor, CancellationToken cancellationToken);

    /// <summary>Deletes an API-owned check if it is still at <paramref name="expected"/>.</summary>
    Task<CheckWrite> DeleteAsync(string id, CheckVersion expected, string actor, CancellationToken cancellationToken);

    /// <summary>Pauses or resumes a check (file-owned checks too: pausing changes no definition).</summary>
    Task<CheckWrite> SetPausedAsync(string id, bool paused, string actor, CancellationToken cancellationToken);

    /// <summary>The recorded changes of a check, newest first, with an id below <paramref name="before"/> when given.</summary>
    Task<(IReadOnlyList<CheckChangeRecord> Items, bool More)> HistoryAsync(string id, long? before, int limit, CancellationToken cancellationToken);
}

/// <summary>A check as stored, with its state.</summary>
/// <param name="Id">The check's id.</param>
/// <param name="Definition">The check's JSON as stored.</param>
/// <param name="Origin"><c>file</c> or <c>api</c>.</param>
/// <param name="Source">The file that defines it, for file checks.</param>
/// <param name="Enabled">The definition's <c>enabled</c>.</param>
/// <param name="Paused">Whether it is paused.</param>
/// <param name="LatestStatus">The status of its latest result (<c>up</c>, <c>degraded</c>, <c>down</c>, <c>unknown</c>); null before the first.</param>
/// <param name="Version">Its version and creation time.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record CheckRecord(
    string Id, string Definition, string Origin, string? Source, bool Enabled, bool Paused, string? LatestStatus, CheckVersion Version, DateTimeOffset UpdatedAt)
{
    /// <summary>What the check is doing: <c>paused</c>, <c>disabled</c>, <c>pending</c> (no result yet) or its latest status.</summary>
    public string Status => Paused ? "paused" : !Enabled ? "disabled" : LatestStatus ?? "pending";
}

/// <summary>
/// What an ETag names: a check's version, bumped at every change, and its creation time, so that a check deleted and
/// created again under the same id does not match an old tag.
/// </summary>
/// <param name="Number">The version.</param>
/// <param name="CreatedAt">When the check was created.</param>
public sealed record CheckVersion(long Number, DateTimeOffset CreatedAt);

/// <summary>A page request of <see cref="ICheckStore.ListAsync"/>.</summary>
/// <param name="Limit">How many checks at most (1–500).</param>
/// <param name="After">Only ids after this one (ordinal), from a cursor.</param>
/// <param name="Type">Only this type.</param>
/// <param name="Labels">Only checks with every one of these labels.</param>
/// <param name="Status">Only checks with this <see cref="CheckRecord.Status"/>.</param>
public sealed record CheckQuery(int Limit, string? After, string? Type, IReadOnlyDictionary<string, string> Labels, string? Status);

/// <summary>The outcome of a write.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Check">The check after the write (before it, for a delete); the existing one for a conflict.</param>
public sealed record CheckWrite(CheckWriteStatus Status, CheckRecord? Check);

/// <summary>What a write did.</summary>
public enum CheckWriteStatus
{
    /// <summary>Written.</summary>
    Done,

    /// <summary>No check has the id.</summary>
    NotFound,

    /// <summary>The id is taken (create), or the check is owned by a file (change, delete).</summary>
    Conflict,

    /// <summary>The check changed since the expected version.</summary>
    VersionMismatch,
}

/// <summary>One recorded change of a check.</summary>
/// <param name="Id">The change's sequence number, increasing.</param>
/// <param name="CheckId">The check.</param>
/// <param name="Action"><c>create</c>, <c>replace</c>, <c>patch</c>, <c>delete</c>, <c>pause</c> or <c>resume</c>.</param>
/// <param name="Actor">The API key's name that made it.</param>
/// <param name="At">When.</param>
/// <param name="Before">The definition before (none for a create).</param>
/// <param name="After">The definition after (none for a delete).</param>
/// <param name="Paused">Whether the check was paused after the change.</param>
public sealed record CheckChangeRecord(long Id, string CheckId, string Action, string Actor, DateTimeOffset At, string? Before, string? After, bool Paused);
