using System.Text.RegularExpressions;

namespace Sentinel.Probes.Checks;

/// <summary>
/// What the check format knows about one check type: its name, how to read its settings section, what a valid
/// target looks like, the measurements its assertions may name and the rules that span several fields. The parser
/// reads a check with these alone; the probe that runs the type is declared beside it (<c>ProbeType</c>).
/// </summary>
internal record CheckType
{
    /// <summary>The type name used in check files, e.g. <c>tcp</c>.</summary>
    public required string Name { get; init; }

    /// <summary>One line for the README and <c>--help</c>.</summary>
    public required string Summary { get; init; }

    /// <summary>
    /// Reads the type's section (the member named after the type); receives null when the member is absent,
    /// so a type can apply defaults or report it as required. Returns null when the section is invalid.
    /// </summary>
    public required Func<JsonObjectReader?, CheckSection?> ReadSection { get; init; }

    /// <summary>Checks the target; returns an error message, or null when it is valid.</summary>
    public required Func<string, string?> ValidateTarget { get; init; }

    /// <summary>
    /// The measurement names assertions may use; <c>*</c> stands for one name segment
    /// (<c>http.duration.*_ms</c>).
    /// </summary>
    public required IReadOnlyList<string> Measurements { get; init; }

    /// <summary>
    /// Checks rules that span several fields once the check has been read without errors: settings that depend
    /// on the check's timeout, on each other, or on the target (a reverse lookup's record type). Receives the
    /// definition and the JSON path of the check object; yields each error with its full JSON path. Null when
    /// the type has no such rules.
    /// </summary>
    public Func<CheckDefinition, string, IEnumerable<(string Path, string Message)>>? ValidateCheck { get; init; }

    /// <summary>Whether the target has a host name that the check's <c>resolver</c> and <c>ipVersion</c> apply to.</summary>
    public bool ResolvesTargetHost { get; init; } = true;

    /// <summary>Whether <paramref name="measurement"/> is one this type produces.</summary>
    public bool HasMeasurement(string measurement) =>
        Measurements.Any(pattern => pattern.Contains('*', StringComparison.Ordinal)
            ? Regex.IsMatch(measurement, "^" + Regex.Escape(pattern).Replace(@"\*", "[a-z0-9_]+", StringComparison.Ordinal) + "$", RegexOptions.None, TimeSpan.FromMilliseconds(100))
            : pattern == measurement);
}
