using Sentinel.Probes.Checks;
using Xunit;

namespace Sentinel.Probes.Tests.Checks;

/// <summary>
/// Every file of testdata/checks/invalid-*.json must be rejected with exactly the errors in its .expected
/// file, so that any change to a message is a visible decision. Set SENTINEL_UPDATE_GOLDEN=1 to rewrite the
/// expected files after reviewing a deliberate change.
/// </summary>
public sealed class InvalidCheckCorpusTests
{
    public static TheoryData<string> Files() => new(Corpus.InvalidFiles().Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Files))]
    public void LoadFile_InvalidDocument_ReportsExpectedErrors(string file)
    {
        var document = CheckFiles.LoadFile(Path.Combine(Corpus.Directory, file), ProbeCatalog.Default.Checks);

        Assert.False(document.IsValid);
        Assert.Empty(document.Checks);
        Assert.Equal(Corpus.Expected(file), Corpus.Render(document));
    }

    [Fact]
    public void Corpus_HasAtLeastTwentyFiveDocuments() => Assert.True(Corpus.InvalidFiles().Count >= 25);

    [Fact]
    public void Parse_DocumentOverOneMebibyte_IsRejectedBeforeParsing()
    {
        var huge = "{\"id\":\"huge\",\"type\":\"tcp\",\"target\":\"127.0.0.1:1\",\"description\":\"" + new string('x', CheckLimits.MaxFileBytes) + "\"}";

        var document = CheckParser.Parse(huge, "huge.json", ProbeCatalog.Default.Checks);

        var error = Assert.Single(document.Errors);
        Assert.Equal($"huge.json: $: the document is larger than 1 MiB ({huge.Length} bytes); split it into several files", error.ToString());
    }

    [Fact]
    public void LoadFile_FileOverOneMebibyte_IsRejectedWithoutReadingIt()
    {
        using var directory = new Sentinel.Testing.TempDirectory();
        var path = Path.Combine(directory.Path, "huge.json");
        using (var file = File.Create(path))
        {
            file.SetLength(CheckLimits.MaxFileBytes + 1);
        }

        var document = CheckFiles.LoadFile(path, ProbeCatalog.Default.Checks);

        Assert.Equal($"{path}: $: the document is larger than 1 MiB ({CheckLimits.MaxFileBytes + 1} bytes); split it into several files", Assert.Single(document.Errors).ToString());
    }

    [Fact]
    public void Parse_MoreThanAThousandChecks_IsRejected()
    {
        var checks = string.Join(",", Enumerable.Range(0, 1001).Select(i => $"{{\"id\":\"c{i}\",\"type\":\"tcp\",\"target\":\"127.0.0.1:1\"}}"));

        var document = CheckParser.Parse("[" + checks + "]", "many.json", ProbeCatalog.Default.Checks);

        Assert.Equal("many.json:1: $: a document may hold at most 1000 checks, got 1001", Assert.Single(document.Errors).ToString());
    }
}

/// <summary>The shared corpus of invalid check documents under testdata/checks.</summary>
internal static class Corpus
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "testdata", "checks");

    public static IReadOnlyList<string> InvalidFiles() =>
        System.IO.Directory.GetFiles(Directory, "invalid-*.json").Order(StringComparer.Ordinal).ToList();

    /// <summary>Errors one per line, with the file's directory removed so the expectation is portable.</summary>
    public static string Render(CheckDocument document) =>
        string.Join("\n", document.Errors.Select(e => e with { Source = Path.GetFileName(e.Source) })) + "\n";

    public static string Expected(string file)
    {
        var expectedFile = Path.ChangeExtension(file, ".expected");
        var source = Path.Combine(SourceDirectory(), expectedFile);
        if (Environment.GetEnvironmentVariable("SENTINEL_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(source, Render(CheckFiles.LoadFile(Path.Combine(Directory, file), ProbeCatalog.Default.Checks)));
        }

        return File.ReadAllText(Path.Combine(Directory, expectedFile));
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "testdata", "checks"));
}
