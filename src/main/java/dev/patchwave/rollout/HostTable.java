package dev.patchwave.rollout;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every host's progress in one rollout, in plan order: an immutable map from host name to {@link
 * HostState} that a decision changes without copying it.
 *
 * <p>Hosts are numbered in plan order (their ordinal). States are kept in chunks of {@value #CHUNK}
 * behind a small index array; an {@link Editor} copies only the index array and the chunks it
 * writes to, so a decision that changes k hosts of n costs O(n / {@value #CHUNK} + k), and the
 * tables before and after share everything else. Names and ordinals never change after the table is
 * built, except when an editor replaces the whole table (a replan).
 *
 * <p>A table knows which ordinals changed since the table it was edited from ({@link
 * #changesFrom}): the store writes only those hosts. Counts per phase are kept as hosts change, so
 * asking how many hosts are in flight costs nothing.
 */
public final class HostTable extends AbstractMap<String, HostState> {

  private static final int SHIFT = 8;
  private static final int CHUNK = 1 << SHIFT;
  private static final int MASK = CHUNK - 1;
  private static final AtomicLong GENERATIONS = new AtomicLong();
  private static final int PHASES = HostPhase.values().length;

  private final Map<String, Integer> ordinals;
  private final String[] names;
  private final HostState[][] chunks;
  private final int[] perPhase;
  private final BitSet[] byPhase;
  private final int[] perWave;
  private final long generation;

  /** The table this one was edited from, and what changed; {@code null} changed: everything. */
  private final long parent;

  private final BitSet changed;

  private HostTable(
      Map<String, Integer> ordinals,
      String[] names,
      HostState[][] chunks,
      int[] perPhase,
      BitSet[] byPhase,
      int[] perWave,
      long parent,
      BitSet changed) {
    this.ordinals = ordinals;
    this.names = names;
    this.chunks = chunks;
    this.perPhase = perPhase;
    this.byPhase = byPhase;
    this.perWave = perWave;
    this.generation = GENERATIONS.incrementAndGet();
    this.parent = parent;
    this.changed = changed;
  }

  /** A table of {@code hosts} in the order given; names must be distinct. */
  public static HostTable of(Collection<HostState> hosts) {
    int n = hosts.size();
    Map<String, Integer> ordinals = new HashMap<>(Math.max(16, n * 4 / 3 + 1));
    String[] names = new String[n];
    HostState[][] chunks = new HostState[(n + MASK) >>> SHIFT][];
    int[] perPhase = new int[PHASES];
    BitSet[] byPhase = new BitSet[PHASES];
    for (int p = 0; p < PHASES; p++) {
      byPhase[p] = new BitSet();
    }
    int waves = 0;
    for (HostState h : hosts) {
      waves = Math.max(waves, h.wave() + 1);
    }
    int[] perWave = new int[waves * PHASES];
    int i = 0;
    for (HostState h : hosts) {
      if (ordinals.putIfAbsent(h.name(), i) != null) {
        throw new IllegalArgumentException("host " + h.name() + " is listed twice");
      }
      names[i] = h.name();
      int c = i >>> SHIFT;
      if (chunks[c] == null) {
        chunks[c] = new HostState[Math.min(CHUNK, n - (c << SHIFT))];
      }
      chunks[c][i & MASK] = h;
      perPhase[h.phase().ordinal()]++;
      byPhase[h.phase().ordinal()].set(i);
      perWave[h.wave() * PHASES + h.phase().ordinal()]++;
      i++;
    }
    return new HostTable(
        java.util.Collections.unmodifiableMap(ordinals),
        names,
        chunks,
        perPhase,
        byPhase,
        perWave,
        0,
        null);
  }

  /**
   * A table with the hosts of {@code map}, in its iteration order (the table itself if it is one).
   */
  public static HostTable of(Map<String, HostState> map) {
    return map instanceof HostTable t ? t : of(map.values());
  }

  @Override
  public int size() {
    return names.length;
  }

  @Override
  public HostState get(Object name) {
    Integer i = ordinals.get(name);
    return i == null ? null : at(i);
  }

  @Override
  public boolean containsKey(Object name) {
    return ordinals.containsKey(name);
  }

  /** The host with plan-order number {@code ordinal}. */
  public HostState at(int ordinal) {
    return chunks[ordinal >>> SHIFT][ordinal & MASK];
  }

  /** The plan-order number of {@code name}, or -1. */
  public int ordinalOf(String name) {
    Integer i = ordinals.get(name);
    return i == null ? -1 : i;
  }

  /** How many hosts are in {@code phase}. */
  public int count(HostPhase phase) {
    return perPhase[phase.ordinal()];
  }

  /** How many hosts of wave {@code wave} (by {@link HostState#wave()}) are in {@code phase}. */
  public int count(int wave, HostPhase phase) {
    return countIn(perWave, wave, phase);
  }

  /** The first ordinal at or after {@code from} of a host in {@code phase}, or -1. */
  public int next(HostPhase phase, int from) {
    return byPhase[phase.ordinal()].nextSetBit(from);
  }

  private static int countIn(int[] perWave, int wave, HostPhase phase) {
    int i = wave * PHASES + phase.ordinal();
    return wave < 0 || i >= perWave.length ? 0 : perWave[i];
  }

  /**
   * The ordinals that differ from {@code before}, when this table is {@code before} edited ({@link
   * #isRebuiltFrom} false): exactly the hosts the edits changed. All of them otherwise.
   */
  public BitSet changesFrom(HostTable before) {
    if (before == this) {
      return new BitSet();
    }
    if (!isRebuiltFrom(before)) {
      return (BitSet) changed.clone();
    }
    BitSet all = new BitSet(names.length);
    all.set(0, names.length);
    return all;
  }

  /**
   * False when this table is {@code before} itself or {@code before} changed by one editor, host by
   * host; true otherwise (another table, or one an editor replaced whole in a replan): every host
   * must be written again, and its wave too.
   */
  public boolean isRebuiltFrom(HostTable before) {
    return before == null || (this != before && !(changed != null && parent == before.generation));
  }

  /** An editor over a copy-on-write view of this table. */
  public Editor edit() {
    return new Editor(this);
  }

  @Override
  public Set<String> keySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<String> iterator() {
        return List.of(names).iterator();
      }

      @Override
      public int size() {
        return names.length;
      }

      @Override
      public boolean contains(Object o) {
        return ordinals.containsKey(o);
      }
    };
  }

  @Override
  public Collection<HostState> values() {
    return new AbstractCollection<>() {
      @Override
      public Iterator<HostState> iterator() {
        return states(chunks, names.length);
      }

      @Override
      public int size() {
        return names.length;
      }
    };
  }

  @Override
  public Set<Entry<String, HostState>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, HostState>> iterator() {
        Iterator<HostState> states = states(chunks, names.length);
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return states.hasNext();
          }

          @Override
          public Entry<String, HostState> next() {
            HostState h = states.next();
            return new SimpleImmutableEntry<>(h.name(), h);
          }
        };
      }

      @Override
      public int size() {
        return names.length;
      }
    };
  }

  private static Iterator<HostState> states(HostState[][] chunks, int n) {
    return new Iterator<>() {
      private int i;

      @Override
      public boolean hasNext() {
        return i < n;
      }

      @Override
      public HostState next() {
        if (i >= n) {
          throw new NoSuchElementException();
        }
        HostState h = chunks[i >>> SHIFT][i & MASK];
        i++;
        return h;
      }
    };
  }

  /**
   * Changes to a table, made without touching it: chunks are copied on first write. Not thread
   * safe; one decision owns one editor.
   */
  public static final class Editor {
    private HostTable base;
    private HostState[][] chunks;
    private boolean[] owned;
    private int[] perPhase;
    private BitSet[] byPhase;
    private boolean[] ownedPhase;
    private int[] perWave;
    private BitSet changed = new BitSet();
    private boolean replaced;

    private Editor(HostTable base) {
      start(base);
    }

    private void start(HostTable table) {
      this.base = table;
      this.chunks = table.chunks.clone();
      this.owned = new boolean[chunks.length];
      this.perPhase = table.perPhase.clone();
      this.byPhase = table.byPhase.clone();
      this.ownedPhase = new boolean[PHASES];
      this.perWave = table.perWave.clone();
    }

    public HostState get(String name) {
      int i = base.ordinalOf(name);
      return i < 0 ? null : at(i);
    }

    public HostState at(int ordinal) {
      return chunks[ordinal >>> SHIFT][ordinal & MASK];
    }

    public int ordinalOf(String name) {
      return base.ordinalOf(name);
    }

    public int size() {
      return base.names.length;
    }

    public int count(HostPhase phase) {
      return perPhase[phase.ordinal()];
    }

    /** How many hosts of wave {@code wave} (by {@link HostState#wave()}) are in {@code phase}. */
    public int count(int wave, HostPhase phase) {
      return countIn(perWave, wave, phase);
    }

    /** The first ordinal at or after {@code from} of a host in {@code phase}, or -1. */
    public int next(HostPhase phase, int from) {
      return byPhase[phase.ordinal()].nextSetBit(from);
    }

    /** The ordinals changed so far (a copy). */
    public BitSet changed() {
      return (BitSet) changed.clone();
    }

    /**
     * Replaces the state of a host of the table.
     *
     * @throws IllegalArgumentException if the table has no host {@code h.name()}
     */
    public void put(HostState h) {
      int i = base.ordinalOf(h.name());
      if (i < 0) {
        throw new IllegalArgumentException("host " + h.name() + " is not in this rollout");
      }
      int c = i >>> SHIFT;
      if (!owned[c]) {
        chunks[c] = chunks[c].clone();
        owned[c] = true;
      }
      HostState was = chunks[c][i & MASK];
      if (was == h) {
        return;
      }
      if (was.phase() != h.phase()) {
        perPhase[was.phase().ordinal()]--;
        perPhase[h.phase().ordinal()]++;
        phaseBits(was.phase()).clear(i);
        phaseBits(h.phase()).set(i);
      }
      if (was.phase() != h.phase() || was.wave() != h.wave()) {
        perWave[was.wave() * PHASES + was.phase().ordinal()]--;
        int at = h.wave() * PHASES + h.phase().ordinal();
        if (at >= perWave.length) {
          perWave = Arrays.copyOf(perWave, (h.wave() + 1) * PHASES);
        }
        perWave[at]++;
      }
      chunks[c][i & MASK] = h;
      changed.set(i);
    }

    private BitSet phaseBits(HostPhase p) {
      int k = p.ordinal();
      if (!ownedPhase[k]) {
        byPhase[k] = (BitSet) byPhase[k].clone();
        ownedPhase[k] = true;
      }
      return byPhase[k];
    }

    /** Replaces the whole table (a replan): every host is written again. */
    public void replaceAll(HostTable table) {
      start(table);
      changed = new BitSet();
      replaced = true;
    }

    /** The hosts as they are now, in plan order. */
    public Iterable<HostState> values() {
      HostState[][] now = chunks;
      int n = base.names.length;
      return () -> states(now, n);
    }

    /** The hosts as they are now, in plan order. */
    public java.util.stream.Stream<HostState> stream() {
      return java.util.stream.StreamSupport.stream(values().spliterator(), false);
    }

    /** The edited table; the editor may go on editing and freeze again. */
    public HostTable freeze() {
      HostState[][] frozen = chunks.clone();
      Arrays.fill(owned, false);
      Arrays.fill(ownedPhase, false);
      BitSet[] phases = byPhase.clone();
      if (replaced) {
        return new HostTable(
            base.ordinals, base.names, frozen, perPhase.clone(), phases, perWave.clone(), 0, null);
      }
      return new HostTable(
          base.ordinals,
          base.names,
          frozen,
          perPhase.clone(),
          phases,
          perWave.clone(),
          base.generation,
          (BitSet) changed.clone());
    }
  }
}
