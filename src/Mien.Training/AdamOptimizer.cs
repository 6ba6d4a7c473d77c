using TorchSharp;
using static TorchSharp.torch;

namespace Mien.Training;

/// <summary>
/// Adam (Kingma &amp; Ba; PyTorch's default settings β1 0.9, β2 0.999, ε 1e-8, no weight decay) over a module's
/// parameters, written with TorchSharp tensor ops and scalars whose lifetime this class owns.
/// </summary>
/// <remarks>
/// Why not <c>torch.optim.Adam</c>: in TorchSharp 0.107 its step intermittently fails with "Unknown scalar type" /
/// "toFloat" errors from libtorch after the process has garbage-collected for a while (seen in the full CK+ run, never
/// in short runs): a scalar it still uses has been released. Here every scalar is created and disposed explicitly.
/// </remarks>
internal sealed class AdamOptimizer : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;
    private readonly TorchSharp.Modules.Parameter[] _parameters;
    private readonly Tensor[] _m;
    private readonly Tensor[] _v;
    private readonly Scalar _beta1 = Beta1.ToScalar();
    private readonly Scalar _oneMinusBeta1 = (1 - Beta1).ToScalar();
    private readonly Scalar _beta2 = Beta2.ToScalar();
    private readonly Scalar _oneMinusBeta2 = (1 - Beta2).ToScalar();
    private readonly Scalar _epsilon = Epsilon.ToScalar();
    private int _step;

    public AdamOptimizer(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate)
    {
        _parameters = [.. parameters];
        _m = [.. _parameters.Select(p => torch.zeros_like(p))];
        _v = [.. _parameters.Select(p => torch.zeros_like(p))];
        LearningRate = learningRate;
    }

    /// <summary>Step size (a schedule may change it between steps).</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps taken (bias correction depends on it).</summary>
    public int Steps => _step;

    /// <summary>Writes the moments and step count (for checkpoints).</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(_step);
        writer.Write(_m.Length);
        foreach (var t in _m.Concat(_v))
        {
            var values = t.detach().cpu().contiguous().data<float>().ToArray();
            writer.Write(values.Length);
            foreach (var v in values)
            {
                writer.Write(v);
            }
        }
    }

    /// <summary>Restores what <see cref="Save"/> wrote for the same parameters.</summary>
    /// <exception cref="InvalidDataException">The state belongs to other parameters.</exception>
    public void Load(BinaryReader reader)
    {
        var step = reader.ReadInt32();
        if (reader.ReadInt32() != _m.Length)
        {
            throw new InvalidDataException("the optimiser state has a different number of parameters");
        }

        using var noGrad = torch.no_grad();
        foreach (var t in _m.Concat(_v))
        {
            var length = reader.ReadInt32();
            if (length != t.numel())
            {
                throw new InvalidDataException($"the optimiser state holds {length} values for a parameter of {t.numel()}");
            }

            var values = new float[length];
            for (var i = 0; i < length; i++)
            {
                values[i] = reader.ReadSingle();
            }

            using var source = torch.tensor(values, t.shape);
            t.copy_(source);
        }

        _step = step;
    }

    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    public void Step()
    {
        _step++;
        using var noGrad = torch.no_grad();
        var correction1 = 1 - Math.Pow(Beta1, _step);
        var correction2 = 1 - Math.Pow(Beta2, _step);
        using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var negativeStep = (-LearningRate / correction1).ToScalar();
        for (var i = 0; i < _parameters.Length; i++)
        {
            using var grad = _parameters[i].grad;
            if (grad is null)
            {
                continue;
            }

            _m[i].mul_(_beta1).add_(grad, _oneMinusBeta1);
            _v[i].mul_(_beta2).addcmul_(grad, grad, _oneMinusBeta2);
            using var root = _v[i].sqrt();
            root.div_(rootCorrection2).add_(_epsilon);
            _parameters[i].addcdiv_(_m[i], root, negativeStep);
        }
    }

    public void Dispose()
    {
        foreach (var t in _m.Concat(_v))
        {
            t.Dispose();
        }

        foreach (var s in new[] { _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _epsilon })
        {
            s.Dispose();
        }
    }
}
