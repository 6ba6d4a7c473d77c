namespace Mien.Training.Expressions;

/// <summary>How class imbalance is handled (FER2013 has 436 disgust images against 7,215 happiness).</summary>
public enum ClassBalance
{
    /// <summary>Plain loss.</summary>
    None,

    /// <summary>Each class's loss weighted by the square root of its inverse frequency (normalised to mean 1).</summary>
    Loss,
}

/// <summary>Settings of <see cref="ExpressionTrainer"/>; <see cref="Validate"/> names any bad option, its value and limit.</summary>
public sealed record ExpressionTrainingOptions
{
    /// <summary>Input side in pixels; must equal the starting model's (default 64, Human's emotion model).</summary>
    public int Side { get; init; } = 64;

    /// <summary>Most passes over the training images (default 30).</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Images per step (default 64).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Peak Adam learning rate of the one-cycle schedule (default 5e-4, for fine-tuning).</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Share of all steps spent warming up linearly to the peak before the cosine decay (default 0.05).</summary>
    public double WarmupFraction { get; init; } = 0.05;

    /// <summary>Label smoothing ε: the target puts 1 − ε on the label and ε/7 on every class (default 0.1).</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Class balance (default: weighted loss).</summary>
    public ClassBalance Balance { get; init; } = ClassBalance.Loss;

    /// <summary>Share of each class held back for validation, carved with <see cref="Seed"/> (default 0.1).</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Epochs without a better validation accuracy before stopping (default 5).</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Write a resumable checkpoint every this many steps (default 100; also at every epoch's end).</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Seed of the split, shuffling, augmentation and a new network's initial weights.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Torch intra-op threads (default 1: training shares the machine).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>At most this many images per class (first by file name), for quick runs; null = all.</summary>
    public int? LimitPerClass { get; init; }

    /// <summary>Stop after this many steps per epoch (quick runs and tests); null = the whole epoch.</summary>
    public int? MaxStepsPerEpoch { get; init; }

    /// <summary>Weight α of the distillation term when teacher logits are given (default 0.5).</summary>
    public double DistillationWeight { get; init; } = 0.5;

    /// <summary>Softmax temperature of both teacher and student in the distillation term (default 2).</summary>
    public double DistillationTemperature { get; init; } = 2;

    /// <summary>Augmentation of training images.</summary>
    public AugmentationOptions Augmentation { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, its value and the limit.</summary>
    public void Validate()
    {
        Range(nameof(Side), Side, 16, 256);
        Range(nameof(Epochs), Epochs, 1, 10_000);
        Range(nameof(BatchSize), BatchSize, 2, 4096);
        Range(nameof(Patience), Patience, 1, 10_000);
        Range(nameof(CheckpointEvery), CheckpointEvery, 1, int.MaxValue);
        Range(nameof(Threads), Threads, 1, 256);
        if (LimitPerClass is { } l)
        {
            Range(nameof(LimitPerClass), l, 2, int.MaxValue);
        }

        if (MaxStepsPerEpoch is { } m)
        {
            Range(nameof(MaxStepsPerEpoch), m, 1, int.MaxValue);
        }

        Open(nameof(LearningRate), LearningRate, 0, 1);
        Closed(nameof(WarmupFraction), WarmupFraction, 0, 0.5);
        Closed(nameof(LabelSmoothing), LabelSmoothing, 0, 0.5);
        Open(nameof(ValidationFraction), ValidationFraction, 0, 0.5);
        Closed(nameof(DistillationWeight), DistillationWeight, 0, 1);
        Closed(nameof(DistillationTemperature), DistillationTemperature, 0.5, 20);
        Augmentation.Validate();
    }

    private static void Range(string name, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be within [{min}, {max}]");
        }
    }

    private static void Open(string name, double value, double min, double max)
    {
        if (!(value > min && value < max))
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be within ({min}, {max})");
        }
    }

    private static void Closed(string name, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be within [{min}, {max}]");
        }
    }
}
