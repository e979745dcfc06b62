package io.conceptrank.cli;

import io.conceptrank.engine.EngineInfo;
import io.conceptrank.engine.EnginePreference;
import io.conceptrank.engine.Engines;
import io.conceptrank.engine.ThreadChoice;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --threads} for every command that computes (mix it in with {@code @Mixin}). {@link #apply}
 * chooses the count, hands it to libtorch before the engine loads and prints the choice and its reason
 * as the command's first progress line.
 */
public final class ThreadOptions {

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--threads", paramLabel = "auto|N", defaultValue = ThreadChoice.AUTO,
            description = "libtorch threads: auto = the cores minus the 1-minute load average, at least 1, so that "
                    + "a busy machine does not slow the work down; or a number (default: ${DEFAULT-VALUE}).")
    private String threads;

    /** Chooses, applies and reports the thread count; a bad value is bad input (exit code 2). */
    public ThreadChoice apply(OutputOptions output) {
        ThreadChoice choice;
        try {
            choice = ThreadChoice.choose(threads, "--threads");
        } catch (IllegalArgumentException e) {
            throw Inputs.bad(spec, e.getMessage());
        }
        output.err().println(choice.describe());
        output.err().flush();
        EngineInfo info = Engines.detect(EnginePreference.PYTORCH, choice);
        if (!info.pytorch().available()) {
            throw new Failure("the PyTorch engine did not load: " + info.pytorch().reason());
        }
        return choice;
    }
}
