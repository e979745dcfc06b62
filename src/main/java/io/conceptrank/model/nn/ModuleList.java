package io.conceptrank.model.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Children named 0, 1, 2, ... as torch.nn.ModuleList, so keys read {@code layers.3.mlp.fc1.weight}. */
public final class ModuleList<T extends Module> extends Module implements Iterable<T> {

    private final List<T> items = new ArrayList<>();

    public T add(T module) {
        items.add(module(Integer.toString(items.size()), module));
        return module;
    }

    public T get(int index) {
        return items.get(index);
    }

    public int size() {
        return items.size();
    }

    @Override
    public Iterator<T> iterator() {
        return items.iterator();
    }
}
