namespace Sentinel.Probes.Checks;

/// <summary>
/// One problem with a check definition: where it is (source, line when known, JSON path) and what is wrong.
/// The same messages come from the file loader, <c>sentinel validate</c> and the API.
/// </summary>
/// <param name="Source">The file path, or another name for where the document came from.</param>
/// <param name="Line">The 1-based line of the offending member when known.</param>
/// <param name="Path">The JSON path of the offending member, e.g. <c>$.http.headers</c> or <c>$[2].interval</c>.</param>
/// <param name="Message">What was expected and what was seen.</param>
public sealed record CheckError(string Source, int? Line, string Path, string Message)
{
    /// <summary>Formats the error as <c>source:line: path: message</c>, the form editors and CI logs link.</summary>
    public override string ToString() =>
        Line is { } line ? $"{Source}:{line}: {Path}: {Message}" : $"{Source}: {Path}: {Message}";
}
