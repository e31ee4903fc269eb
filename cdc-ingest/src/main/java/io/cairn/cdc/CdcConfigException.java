package io.cairn.cdc;

import java.util.List;

/** A connector definition that cannot run, with every problem found, each naming its property. */
public final class CdcConfigException extends CdcException {
    private final List<String> problems;

    public CdcConfigException(List<String> problems) {
        super("Invalid connector configuration: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public CdcConfigException(String problem) {
        this(List.of(problem));
    }

    /** Each problem as {@code property: what is wrong}. */
    public List<String> problems() {
        return problems;
    }
}
