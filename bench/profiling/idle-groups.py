"""Groups an idle profile (async-profiler collapsed stacks) by what the samples pass through.

Usage: python3 idle-groups.py target/profiling/LABEL.collapsed [ROWS]. One sample is 1 ms of CPU.
"""
import collections,sys
tot=0; groups=collections.Counter()
for line in open(sys.argv[1]):
    st,_,n=line.rstrip().rpartition(' '); n=int(n); tot+=n
    fr=st.split(';')
    if 'CompileBroker' in st: g='JIT'
    elif 'restartIdleTimeoutExecutor' in st and 'WsSessions.ping' in st: g='tyrus re-arm on ping'
    elif 'restartIdleTimeoutExecutor' in st: g='tyrus re-arm on receive/send'
    elif 'WsSessions.ping' in st: g='ping send (rest)'
    elif 'PongFrame' in st or 'onDataAvailable' in st: g='pong receive (rest)'
    elif 'IdleTimeoutFilter' in st: g='grizzly idle-timeout sweep'
    elif 'beforeExecute' in st or 'afterExecute' in st: g='managed executor context setup/reset'
    elif 'IdleTimeoutCommand' in st: g='tyrus idle command run'
    elif 'SseConnection' in st: g='sse drain'
    elif 'SseStreams.beat' in st: g='sse beat loop'
    elif 'Hazelcast' in st or fr[0].startswith('hz'): g='hazelcast'
    elif 'SelectorRunner' in st: g='selector'
    elif 'GangWorker' in st or 'G1' in st or 'GC' in fr[0]: g='GC'
    elif 'getTask' in st or 'SyncThreadWorker.getTask' in st: g='pool park/wake'
    elif 'artemis' in st: g='artemis'
    else: g='other: '+';'.join(x.split('/')[-1] for x in fr[1:7])
    groups[g]+=n
print('samples',tot, '(1 ms each)')
for k,v in groups.most_common(int(sys.argv[2]) if len(sys.argv)>2 else 22): print(f"{100*v/tot:6.2f}% {v:5d} {k[:200]}")
