using Sentinel.Testing;
using Xunit;

namespace Sentinel.Worker.Tests.Checks;

/// <summary>The checks folder drives the checks table while the daemon runs.</summary>
[Collection(DaemonHostTests.Name)]
public sealed class CheckFileSyncTests(PostgresCluster postgres)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Run_FilesAddedChangedAndRemoved_TakeEffectWithoutRestart()
    {
        await using var host = await SentinelTestHost.StartAsync(postgres, dir => dir.Write("a.json", Tcp("a", "127.0.0.1:1")));
        await WaitForChecksAsync(host, ["a"]);

        host.Checks.Write("team/b.json", Tcp("b", "127.0.0.1:2"));
        await WaitForChecksAsync(host, ["a", "b"]);

        host.Checks.Write("a.json", Tcp("a", "127.0.0.1:3"));
        await Eventually.WaitAsync(async () => await host.Database.QueryValueAsync<string>("SELECT target FROM checks WHERE id = 'a'") == "127.0.0.1:3",
            Bound, "the changed target of check a");

        File.Delete(Path.Combine(host.Checks.Path, "team", "b.json"));
        await WaitForChecksAsync(host, ["a"]);
    }

    [Fact]
    public async Task Run_InvalidFile_IsReportedWithPathLineAndJsonPathAndOthersKeepRunning()
    {
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
        {
            dir.Write("good.json", Tcp("good", "127.0.0.1:1"));
            dir.Write("bad.json", "{\n  \"id\": \"bad\",\n  \"type\": \"tcp\",\n  \"target\": \"127.0.0.1:1\",\n  \"interval\": \"often\"\n}\n");
        });

        await WaitForChecksAsync(host, ["good"]);
        var path = Path.Combine(host.Checks.Path, "bad.json");
        await Eventually.WaitAsync(() => host.Logs.Lines.Any(l => l.Message.Contains(
            $"{path}:5: $.interval: expected a duration such as \"30s\", \"5m\" or \"1h30m\", got string \"often\"", StringComparison.Ordinal)),
            Bound, "the invalid file to be reported");
        Assert.DoesNotContain(host.Logs.Lines, l => l.Exception is not null);
    }

    [Fact]
    public async Task Run_ValidFileBecomesInvalid_KeepsItsLastValidChecks()
    {
        await using var host = await SentinelTestHost.StartAsync(postgres, dir => dir.Write("a.json", Tcp("a", "127.0.0.1:1")));
        await WaitForChecksAsync(host, ["a"]);

        host.Checks.Write("a.json", "{ \"id\": \"a\", \"type\": ");
        await Eventually.WaitAsync(() => host.Logs.Lines.Any(l => l.Message.Contains("a.json:1: $: invalid JSON", StringComparison.Ordinal)),
            Bound, "the half-written file to be reported");

        Assert.Equal(["a"], await host.Database.QueryListAsync<string>("SELECT id FROM checks"));
    }

    [Fact]
    public async Task Run_InvalidCorpus_EveryFileIsReportedWithItsExpectedErrorsAndTheValidCheckRuns()
    {
        var corpus = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "testdata", "checks"), "invalid-*.json");
        await using var host = await SentinelTestHost.StartAsync(postgres, dir =>
        {
            foreach (var file in corpus)
            {
                File.Copy(file, Path.Combine(dir.Path, Path.GetFileName(file)));
            }

            dir.Write("valid.json", Tcp("valid", "127.0.0.1:1"));
        });

        await WaitForChecksAsync(host, ["valid"]);
        foreach (var file in corpus)
        {
            var expected = File.ReadAllLines(Path.ChangeExtension(file, ".expected"));
            var copied = Path.Combine(host.Checks.Path, Path.GetFileName(file));
            foreach (var line in expected)
            {
                var error = copied + line[Path.GetFileName(file).Length..];
                await Eventually.WaitAsync(() => host.Logs.Lines.Any(l => l.Message.EndsWith(error, StringComparison.Ordinal)),
                    Bound, $"the run-time loader to report {error}");
            }
        }
    }

    private static async Task WaitForChecksAsync(SentinelTestHost host, string[] ids) =>
        await Eventually.WaitAsync(async () => (await host.Database.QueryListAsync<string>("SELECT id FROM checks ORDER BY id")).SequenceEqual(ids),
            Bound, $"checks [{string.Join(", ", ids)}] in the database");

    internal static string Tcp(string id, string target, string interval = "1m") =>
        $$"""{ "id": "{{id}}", "type": "tcp", "target": "{{target}}", "interval": "{{interval}}" }""";
}
