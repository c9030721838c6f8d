using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Results;

/// <summary>
/// Follows every result <see cref="ResultPipeline"/> accepts (alert evaluation). Called on the probing path, once the
/// result has its id: an implementation hands the result over to its own bounded queue and returns at once, so that
/// it never holds probing back.
/// </summary>
internal interface IResultConsumer
{
    /// <summary>Takes note of <paramref name="result"/> of <paramref name="check"/>; never blocks.</summary>
    void Consume(CheckDefinition check, ProbeResult result);
}
