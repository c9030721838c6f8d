using System.Text.Json;

namespace Sentinel.Api.Endpoints;

/// <summary>A check as the API shows it: the definition as written, and its state around it.</summary>
/// <param name="Id">The check's id.</param>
/// <param name="Check">The check's definition: what POST and PUT take, and what PATCH patches.</param>
/// <param name="Origin"><c>api</c>, or <c>file</c> for a check defined in the checks folder (read-only here).</param>
/// <param name="Source">The file that defines a file check.</param>
/// <param name="Status"><c>up</c>, <c>degraded</c>, <c>down</c>, <c>unknown</c>, <c>pending</c> (no result yet), <c>paused</c> or <c>disabled</c>.</param>
/// <param name="Paused">Whether the check is paused.</param>
/// <param name="Version">Bumped at every change; the <c>ETag</c> names it.</param>
/// <param name="UpdatedAt">When the check last changed.</param>
public sealed record CheckResource(string Id, JsonElement Check, string Origin, string? Source, string Status, bool Paused, long Version, DateTimeOffset UpdatedAt)
{
    internal static CheckResource From(CheckRecord record) => new(
        record.Id, Json(record.Definition), record.Origin, record.Source, record.Status, record.Paused, record.Version.Number, record.UpdatedAt);

    internal static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

/// <summary>One page of checks.</summary>
/// <param name="Items">The checks, in id order.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last one.</param>
public sealed record CheckPage(IReadOnlyList<CheckResource> Items, string? NextCursor);

/// <summary>One recorded change of a check.</summary>
/// <param name="Id">The change's sequence number.</param>
/// <param name="Action"><c>create</c>, <c>replace</c>, <c>patch</c>, <c>delete</c>, <c>pause</c> or <c>resume</c>.</param>
/// <param name="Key">The name of the API key that made it.</param>
/// <param name="At">When.</param>
/// <param name="Before">The definition before the change; null for a create.</param>
/// <param name="After">The definition after the change; null for a delete.</param>
/// <param name="Paused">Whether the check was paused after the change.</param>
public sealed record CheckChange(long Id, string Action, string Key, DateTimeOffset At, JsonElement? Before, JsonElement? After, bool Paused)
{
    internal static CheckChange From(CheckChangeRecord record) => new(
        record.Id, record.Action, record.Actor, record.At,
        record.Before is null ? null : CheckResource.Json(record.Before),
        record.After is null ? null : CheckResource.Json(record.After),
        record.Paused);
}

/// <summary>One page of a check's history, newest first.</summary>
/// <param name="CheckId">The check.</param>
/// <param name="Items">The changes.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for older changes; null on the last page.</param>
public sealed record CheckHistory(string CheckId, IReadOnlyList<CheckChange> Items, string? NextCursor);

/// <summary>One problem of an invalid check (the <c>errors</c> of a 422), as <c>sentinel validate</c> reports it.</summary>
/// <param name="Path">The JSON path of the offending member, e.g. <c>$.http.expectStatus[0]</c>.</param>
/// <param name="Line">The line in the body, when known.</param>
/// <param name="Message">What was expected and what was seen.</param>
public sealed record CheckProblem(string Path, int? Line, string Message);
