using System.Runtime.InteropServices;

namespace Mien.ModelImport.Onnx;

/// <content>The rewrite itself: float nodes to ONNX Runtime's integer kernels, tensor by tensor in graph order.</content>
public static partial class Int8Quantization
{
    private sealed class Quantizer(GraphProto graph, IReadOnlyDictionary<string, TensorRange> ranges, Int8QuantizationOptions options, long opset)
    {
        private readonly Dictionary<string, TensorProto> _initialisers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        private readonly Dictionary<string, (string Name, float Scale, byte Zero)> _quantized = new(StringComparer.Ordinal);
        private readonly HashSet<string> _float = new(StringComparer.Ordinal);
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private readonly List<NodeProto> _nodes = [];
        private readonly Dictionary<string, List<NodeProto>> _consumers = Consumers(graph);
        private readonly HashSet<string> _graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

        public Dictionary<string, int> Quantized { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> KeptFloat { get; } = new(StringComparer.Ordinal);

        public void Run()
        {
            foreach (var name in graph.Node.SelectMany(n => n.Input.Concat(n.Output)).Concat(_initialisers.Keys).Concat(graph.Input.Select(i => i.Name)))
            {
                _names.Add(name);
            }

            _float.UnionWith(graph.Input.Select(i => i.Name));
            _float.UnionWith(_initialisers.Keys);
            var absorbed = new HashSet<NodeProto>();
            foreach (var node in graph.Node)
            {
                if (absorbed.Contains(node))
                {
                    continue;
                }

                var done = node.OpType switch
                {
                    "Conv" => TryConv(node, absorbed),
                    "Add" => TryAdd(node, absorbed),
                    "MaxPool" => TryMaxPool(node),
                    "Relu" => TryRelu(node),
                    _ => false,
                };
                if (done)
                {
                    continue;
                }

                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i].Length > 0)
                    {
                        node.Input[i] = Float(node.Input[i]);
                    }
                }

                _float.UnionWith(node.Output);
                _nodes.Add(node);
                Count(KeptFloat, node.OpType);
            }

            foreach (var output in graph.Output)
            {
                Float(output.Name);
            }

            graph.Node.Clear();
            graph.Node.AddRange(_nodes);
            var present = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            graph.Initializer.AddRange(_initialisers.Values.Where(t => !present.Contains(t.Name)));

            DropUnusedInitialisers(graph);
        }

        private bool TryConv(NodeProto conv, HashSet<NodeProto> absorbed)
        {
            if (conv.Input.Count < 2 || !_initialisers.TryGetValue(conv.Input[1], out var w) || w.Dims.Count != 4
                || _initialisers.ContainsKey(conv.Input[0]) || (conv.Input.Count > 2 && !_initialisers.ContainsKey(conv.Input[2])))
            {
                return false;
            }

            var (output, relu) = FusedRelu(conv.Output[0]);
            if (!ranges.TryGetValue(output, out var yRange) || !CanQuantize(conv.Input[0]) || !TryInput(conv.Input[0], out var x))
            {
                return false;
            }

            var weights = Floats(w);
            var m = (int)w.Dims[0];
            var per = weights.Length / m;
            var limit = options.ReduceRange ? 63f : 127f;
            var wq = new sbyte[weights.Length];
            var ws = new float[m];
            var bq = new int[m];
            var bias = conv.Input.Count > 2 ? Floats(_initialisers[conv.Input[2]]) : new float[m];
            for (var o = 0; o < m; o++)
            {
                var row = weights.AsSpan(o * per, per);
                var peak = 0f;
                foreach (var v in row)
                {
                    peak = Math.Max(peak, Math.Abs(v));
                }

                ws[o] = peak > 0 ? peak / limit : 1f;
                for (var i = 0; i < per; i++)
                {
                    wq[(o * per) + i] = (sbyte)Math.Clamp(MathF.Round(row[i] / ws[o]), -limit, limit);
                }

                bq[o] = (int)Math.Clamp(Math.Round(bias[o] / ((double)x.Scale * ws[o])), int.MinValue, int.MaxValue);
            }

            var (yScale, yZero) = Parameters(relu ? new TensorRange(0, Math.Max(0, yRange.Max)) : yRange);
            var inputs = new List<string>
            {
                x.Name, Scalar(x.Scale), Zero(x.Zero),
                Add(conv.Input[1] + "/int8", TensorProto.Types.DataType.Int8, [.. w.Dims], MemoryMarshal.AsBytes(wq.AsSpan())),
                Add(conv.Input[1] + "/scale", TensorProto.Types.DataType.Float, [m], MemoryMarshal.AsBytes(ws.AsSpan())),
                Add(conv.Input[1] + "/zero", TensorProto.Types.DataType.Int8, [m], new byte[m]),
                Scalar(yScale), Zero(yZero),
                Add(conv.Output[0] + "/bias_int32", TensorProto.Types.DataType.Int32, [m], MemoryMarshal.AsBytes(bq.AsSpan())),
            };
            var node = new NodeProto { OpType = "QLinearConv", Name = conv.Name + "/int8" };
            node.Input.AddRange(inputs);
            node.Output.Add(Emit(output, yScale, yZero));
            node.Attribute.AddRange(conv.Attribute);
            _nodes.Add(node);
            Count(Quantized, relu ? "Conv+Relu" : "Conv");
            if (relu)
            {
                absorbed.Add(_consumers[conv.Output[0]][0]);
            }

            return true;
        }

        private bool TryAdd(NodeProto add, HashSet<NodeProto> absorbed)
        {
            if (add.Input.Count != 2 || add.Input.Any(_initialisers.ContainsKey))
            {
                return false;
            }

            var (output, relu) = FusedRelu(add.Output[0]);
            // Only worth it when at least one side is already uint8 (otherwise two quantisations buy one int8 add).
            if (!add.Input.Any(_quantized.ContainsKey) || !ranges.TryGetValue(output, out var yRange) || !add.Input.All(CanQuantize)
                || !TryInput(add.Input[0], out var a) || !TryInput(add.Input[1], out var b))
            {
                return false;
            }

            var (yScale, yZero) = Parameters(relu ? new TensorRange(0, Math.Max(0, yRange.Max)) : yRange);
            var node = new NodeProto { OpType = "QLinearAdd", Domain = MicrosoftDomain, Name = add.Name + "/int8" };
            node.Input.AddRange([a.Name, Scalar(a.Scale), Zero(a.Zero), b.Name, Scalar(b.Scale), Zero(b.Zero), Scalar(yScale), Zero(yZero)]);
            node.Output.Add(Emit(output, yScale, yZero));
            _nodes.Add(node);
            Count(Quantized, relu ? "Add+Relu" : "Add");
            if (relu)
            {
                absorbed.Add(_consumers[add.Output[0]][0]);
            }

            return true;
        }

        private bool TryMaxPool(NodeProto pool)
        {
            // uint8 MaxPool needs opset 12; the maximum of quantised values is the quantised maximum (same scale).
            if (opset < 12 || pool.Output.Count != 1 || !_quantized.TryGetValue(pool.Input[0], out var x))
            {
                return false;
            }

            var node = pool.Clone();
            node.Input[0] = x.Name;
            node.Output[0] = Emit(pool.Output[0], x.Scale, x.Zero);
            _nodes.Add(node);
            Count(Quantized, "MaxPool");
            return true;
        }

        private bool TryRelu(NodeProto relu)
        {
            // With zero point 0 a uint8 tensor holds no negatives: the ReLU is the identity and needs no node.
            if (!_quantized.TryGetValue(relu.Input[0], out var x) || x.Zero != 0 || _graphOutputs.Contains(relu.Output[0]))
            {
                return false;
            }

            _quantized[relu.Output[0]] = x;
            Count(Quantized, "Relu");
            return true;
        }

        /// <summary>The tensor a node's result stands for: its own output, or the output of a ReLU that alone consumes it.</summary>
        private (string Output, bool Relu) FusedRelu(string output) =>
            !_graphOutputs.Contains(output) && _consumers.TryGetValue(output, out var users) && users.Count == 1 && users[0].OpType == "Relu"
                ? (users[0].Output[0], true)
                : (output, false);

        /// <summary>Whether <see cref="TryInput"/> will succeed (checked first, so a refused node leaves no stray QuantizeLinear).</summary>
        private bool CanQuantize(string name) => _quantized.ContainsKey(name) || (ranges.ContainsKey(name) && _float.Contains(name));

        /// <summary>The uint8 form of a tensor, quantising its float form when it has no uint8 one yet.</summary>
        private bool TryInput(string name, out (string Name, float Scale, byte Zero) x)
        {
            if (_quantized.TryGetValue(name, out x))
            {
                return true;
            }

            if (!ranges.TryGetValue(name, out var range) || !_float.Contains(name))
            {
                return false;
            }

            var (scale, zero) = Parameters(range);
            var node = new NodeProto { OpType = "QuantizeLinear", Name = name + "/quantize" };
            node.Input.AddRange([name, Scalar(scale), Zero(zero)]);
            node.Output.Add(Emit(name, scale, zero));
            _nodes.Add(node);
            x = _quantized[name];
            return true;
        }

        /// <summary>The float form of a tensor, dequantising its uint8 form once when it only has that.</summary>
        private string Float(string name)
        {
            if (_float.Contains(name) || !_quantized.TryGetValue(name, out var x))
            {
                return name;
            }

            var node = new NodeProto { OpType = "DequantizeLinear", Name = name + "/dequantize" };
            node.Input.AddRange([x.Name, Scalar(x.Scale), Zero(x.Zero)]);
            node.Output.Add(name);
            _nodes.Add(node);
            _float.Add(name);
            return name;
        }

        private string Emit(string floatName, float scale, byte zero)
        {
            var name = UniqueName(floatName + "/uint8");
            _quantized[floatName] = (name, scale, zero);
            return name;
        }

        private string Scalar(float value) => Add("scale", TensorProto.Types.DataType.Float, [], BitConverter.GetBytes(value));

        private string Zero(byte value) => Add("zero_point", TensorProto.Types.DataType.Uint8, [], [value]);

        private string Add(string hint, TensorProto.Types.DataType type, long[] dims, ReadOnlySpan<byte> raw)
        {
            var name = UniqueName(hint);
            _initialisers[name] = Tensor(name, type, dims, raw);
            return name;
        }

        private string UniqueName(string hint)
        {
            if (_names.Add(hint))
            {
                return hint;
            }

            for (var i = 1; ; i++)
            {
                if (_names.Add($"{hint}__{i}"))
                {
                    return $"{hint}__{i}";
                }
            }
        }

        private static (float Scale, byte Zero) Parameters(TensorRange range)
        {
            // The range always spans 0 so that 0 (padding, ReLU's floor) is exact.
            var (low, high) = (Math.Min(0f, range.Min), Math.Max(0f, range.Max));
            if (!(high - low > 1e-12f) || !float.IsFinite(low) || !float.IsFinite(high))
            {
                return (1f, 0);
            }

            var scale = (high - low) / 255f;
            return (scale, (byte)Math.Clamp(MathF.Round(-low / scale), 0, 255));
        }

        private static void Count(Dictionary<string, int> counts, string op) => counts[op] = counts.GetValueOrDefault(op) + 1;
    }
}
