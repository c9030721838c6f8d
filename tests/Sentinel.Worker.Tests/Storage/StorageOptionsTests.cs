using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

public sealed class StorageOptionsTests
{
    [Fact]
    public void Bind_Nothing_GivesTheDocumentedDefaults()
    {
        var options = Bind([]);

        Assert.Equal(
            (TimeSpan.FromDays(30), TimeSpan.FromDays(7), TimeSpan.FromDays(400), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)),
            (options.Retention, options.MinuteRollupRetention, options.HourRollupRetention, options.MaintenanceInterval, options.RollupMargin));
    }

    [Theory]
    [InlineData("Retention", "-1.00:00:00", "Retention: Sentinel:Storage:Retention must be from 1.00:00:00 to 3650.00:00:00, not -1.00:00:00")]
    [InlineData("Retention", "00:00:00", "Retention: Sentinel:Storage:Retention must be from 1.00:00:00 to 3650.00:00:00, not 00:00:00")]
    [InlineData("Retention", "12:00:00", "Retention: Sentinel:Storage:Retention must be from 1.00:00:00 to 3650.00:00:00, not 12:00:00")]
    [InlineData("Retention", "3651.00:00:00", "Retention: Sentinel:Storage:Retention must be from 1.00:00:00 to 3650.00:00:00, not 3651.00:00:00")]
    [InlineData("MinuteRollupRetention", "00:00:00", "MinuteRollupRetention: Sentinel:Storage:MinuteRollupRetention must be from 1.00:00:00 to 3650.00:00:00, not 00:00:00")]
    [InlineData("HourRollupRetention", "-400.00:00:00", "HourRollupRetention: Sentinel:Storage:HourRollupRetention must be from 1.00:00:00 to 3650.00:00:00, not -400.00:00:00")]
    [InlineData("MaintenanceInterval", "00:00:01", "MaintenanceInterval: Sentinel:Storage:MaintenanceInterval must be from 00:00:05 to 01:00:00, not 00:00:01")]
    [InlineData("MaintenanceInterval", "00:00:00", "MaintenanceInterval: Sentinel:Storage:MaintenanceInterval must be from 00:00:05 to 01:00:00, not 00:00:00")]
    [InlineData("RollupMargin", "-00:00:05", "RollupMargin: Sentinel:Storage:RollupMargin must be from 00:00:01 to 01:00:00, not -00:00:05")]
    [InlineData("MinuteRollupRetention", "31.00:00:00",
        "MinuteRollupRetention: Sentinel:Storage:MinuteRollupRetention (31.00:00:00) must not exceed Sentinel:Storage:Retention (30.00:00:00): where minute rollups are kept, the raw results they came from must be too")]
    [InlineData("HourRollupRetention", "20.00:00:00",
        "HourRollupRetention: Sentinel:Storage:HourRollupRetention (20.00:00:00) must be at least Sentinel:Storage:Retention (30.00:00:00): hour rollups are what remains once raw results are dropped")]
    public void Bind_OutOfBounds_NamesTheSettingItsBoundsAndTheValue(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [$"{StorageOptions.Section}:{key}"] = value }));

        Assert.Equal(message, string.Join("; ", error.Failures));
    }

    [Fact]
    public void Bind_RollupsShorterThanRawAndMinutesLongerThanRaw_ReportsBoth()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new()
        {
            [$"{StorageOptions.Section}:Retention"] = "90.00:00:00",
            [$"{StorageOptions.Section}:MinuteRollupRetention"] = "100.00:00:00",
            [$"{StorageOptions.Section}:HourRollupRetention"] = "60.00:00:00",
        }));

        Assert.Equal(
            [
                "MinuteRollupRetention: Sentinel:Storage:MinuteRollupRetention (100.00:00:00) must not exceed Sentinel:Storage:Retention (90.00:00:00): where minute rollups are kept, the raw results they came from must be too",
                "HourRollupRetention: Sentinel:Storage:HourRollupRetention (60.00:00:00) must be at least Sentinel:Storage:Retention (90.00:00:00): hour rollups are what remains once raw results are dropped",
            ],
            error.Failures);
    }

    [Fact]
    public void Bind_BoundsAndARuleBetweenSettingsBroken_ReportsTheBoundsOnly()
    {
        // A 12-hour retention is out of bounds; that the 7-day minute rollups now exceed it would say the same again.
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [$"{StorageOptions.Section}:Retention"] = "12:00:00" }));

        Assert.Single(error.Failures);
    }

    [Theory]
    [InlineData("Retention", "thirty days")]
    [InlineData("Retention", "30d")]
    [InlineData("MaintenanceInterval", "5 minutes")]
    public void Bind_NotADuration_NamesTheKeyAndTheValue(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Bind(new() { [$"{StorageOptions.Section}:{key}"] = value }));

        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{StorageOptions.Section}:{key}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("System.TimeSpan", error.Message, StringComparison.Ordinal);
    }

    private static StorageOptions Bind(Dictionary<string, string?> values) =>
        ValidatedOptions.Bind<StorageOptions, StorageOptionsValidator>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), StorageOptions.Section);
}
