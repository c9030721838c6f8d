using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Results;

/// <summary>The result queue and writer (section <c>Sentinel:Results</c>).</summary>
internal sealed class ResultOptions
{
    public const string Section = "Sentinel:Results";

    /// <summary>How many results may wait for the database before publishing waits. Default 10,000; 100 to 1,000,000.</summary>
    [Range(100, 1_000_000, ErrorMessage = "Sentinel:Results:QueueCapacity must be from 100 to 1000000")]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>The most results written in one COPY. Default 1,000; 1 to 100,000.</summary>
    [Range(1, 100_000, ErrorMessage = "Sentinel:Results:BatchSize must be from 1 to 100000")]
    public int BatchSize { get; set; } = 1_000;
}
