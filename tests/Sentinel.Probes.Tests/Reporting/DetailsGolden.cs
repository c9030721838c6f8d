using System.Runtime.CompilerServices;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Xunit;

namespace Sentinel.Probes.Tests.Reporting;

/// <summary>
/// Pins what a probe's details write against golden files in <c>testdata/details</c>: <c>NAME.json</c>, the details'
/// JSON byte for byte as the results table stores it and <c>sentinel probe --json</c> prints it (the README documents
/// it, the <c>path_hops</c> view reads it), and <c>NAME.txt</c>, their lines of the readable report. A change to
/// either is a visible decision: with <c>SENTINEL_UPDATE_GOLDEN=1</c> the test rewrites the files from the current
/// output, for review in the diff.
/// </summary>
internal static class DetailsGolden
{
    private static readonly CheckDefinition Check = new() { Id = "golden", Name = "golden", Type = "golden", Target = "golden" };

    /// <summary>Asserts that <paramref name="details"/> write exactly <c>NAME.json</c> and <c>NAME.txt</c>.</summary>
    public static void Matches(string name, ProbeDetails details)
    {
        var result = new ProbeResultBuilder(Check) { Details = details }.Build();
        var json = ProbeResultJson.Details(result)!;
        var report = new StringWriter { NewLine = "\n" };
        details.WriteReport(report);

        // The whole result embeds the same bytes.
        Assert.Contains($"\"details\":{json}}}", ProbeResultJson.Serialize(result), StringComparison.Ordinal);

        if (Environment.GetEnvironmentVariable("SENTINEL_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceDirectory(), name + ".json"), json + "\n");
            File.WriteAllText(Path.Combine(SourceDirectory(), name + ".txt"), report.ToString());
            return;
        }

        Assert.Equal(Golden(name + ".json").TrimEnd('\n'), json);
        Assert.Equal(Golden(name + ".txt"), report.ToString());
    }

    /// <summary>A file of the golden folder, as copied to the test's output.</summary>
    public static string Golden(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "details", file));

    private static string SourceDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "testdata", "details"));
}
