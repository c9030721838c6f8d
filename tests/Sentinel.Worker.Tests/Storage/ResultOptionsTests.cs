using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Results;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

public sealed class ResultOptionsTests
{
    [Fact]
    public void Bind_Nothing_GivesTheDocumentedDefaults()
    {
        var options = Bind([]);

        Assert.Equal(
            (10_000, 1_000, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10)),
            (options.QueueCapacity, options.BatchSize, options.FlushInterval, options.WriteTimeout));
    }

    [Theory]
    [InlineData("FlushInterval", "00:00:00", 0)]
    [InlineData("FlushInterval", "00:00:10", 10_000)]
    public void Bind_FlushIntervalAtItsBounds_IsTaken(string key, string value, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Bind(new() { [$"{ResultOptions.Section}:{key}"] = value }).FlushInterval);
    }

    [Theory]
    [InlineData("FlushInterval", "-00:00:00.100", "00:00:00", "00:00:10")]
    [InlineData("FlushInterval", "00:00:11", "00:00:00", "00:00:10")]
    [InlineData("BatchSize", "0", "1", "100000")]
    public void Bind_OutOfBounds_NamesTheSettingAndItsBounds(string key, string value, string low, string high)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [$"{ResultOptions.Section}:{key}"] = value }));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith($"{key}: ", failure, StringComparison.Ordinal);
        Assert.Contains($"Sentinel:Results.{key}", failure, StringComparison.Ordinal);
        Assert.Contains($"between {low} and {high}", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_FlushIntervalNotADuration_NamesTheKeyAndTheValue()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Bind(new() { [$"{ResultOptions.Section}:FlushInterval"] = "250ms" }));

        Assert.Contains("'250ms'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{ResultOptions.Section}:FlushInterval'", error.Message, StringComparison.Ordinal);
    }

    private static ResultOptions Bind(Dictionary<string, string?> values) =>
        ValidatedOptions.Bind<ResultOptions, ResultOptionsValidator>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), ResultOptions.Section);
}
