using System.Globalization;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Reporting;

/// <summary>
/// The readable report of one result, in the spirit of <c>curl -v</c> with <c>-w</c> timings: a status line,
/// each phase with its time, what the probe saw, then each problem with its category and hint.
/// </summary>
public static class ProbeReport
{
    /// <summary>Writes the report for <paramref name="result"/> of <paramref name="check"/>.</summary>
    public static void Write(TextWriter writer, CheckDefinition check, ProbeResult result)
    {
        var title = check.Name == check.Id ? check.Id : $"{check.Id} ({check.Name})";
        writer.WriteLine($"{title}: {check.Type} {check.Target}");
        writer.WriteLine($"  status      {ProbeResultJson.Name(result.Status).ToUpperInvariant()} in {Ms(result.Duration)}");
        foreach (var phase in result.Phases)
        {
            writer.WriteLine($"  {phase.Name,-11} {Ms(phase.Duration)}");
        }

        result.Details?.WriteReport(writer);
        foreach (var (name, value) in result.Measurements.Where(m => !DurationMeasurements.IsDuration(m.Key)))
        {
            writer.WriteLine($"  {name} = {value}");
        }

        foreach (var finding in result.Findings)
        {
            writer.WriteLine($"{finding.Severity.ToString().ToUpperInvariant()} {finding.Id}: {finding.Message}");
            foreach (var (key, value) in finding.Evidence ?? [])
            {
                writer.WriteLine($"  {key}: {value}");
            }

            writer.WriteLine($"  hint: {finding.Hint}");
        }

        foreach (var problem in result.Problems)
        {
            var label = problem.Severity == ProblemSeverity.Error ? "FAILURE" : "WARNING";
            writer.WriteLine($"{label} {problem.Category} ({problem.Layer}): {problem.Message}");
            writer.WriteLine($"  hint: {problem.Hint}");
        }
    }

    private static string Ms(TimeSpan duration) =>
        duration.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";
}
