namespace Sentinel.Probes.Checks;

/// <summary>
/// One parsed source of checks (a file or an API body): the valid checks it defines, or every error it has.
/// A document with errors defines no checks: it is skipped as a whole.
/// </summary>
/// <param name="Source">Where the document came from.</param>
/// <param name="Checks">The checks, each with its own JSON text; empty when there are errors.</param>
/// <param name="Errors">Every problem found.</param>
public sealed record CheckDocument(string Source, IReadOnlyList<ParsedCheck> Checks, IReadOnlyList<CheckError> Errors)
{
    /// <summary>Whether the document has no errors.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>
    /// Whether the document could not be read as JSON at all (too large, not UTF-8, empty, or not well-formed), as
    /// opposed to well-formed JSON that is not a valid check. The API answers the first 400 and the second 422.
    /// </summary>
    public bool Malformed { get; init; }
}

/// <summary>A valid check and the JSON text that defined it, which is what the store keeps.</summary>
/// <param name="Definition">The check.</param>
/// <param name="Json">The check's JSON object as written.</param>
/// <param name="Path">The JSON path of the check's object in its document: <c>$</c>, or <c>$[i]</c> in an array.</param>
/// <param name="Line">The line where the check's object starts, when known.</param>
public sealed record ParsedCheck(CheckDefinition Definition, string Json, string Path, int? Line);
