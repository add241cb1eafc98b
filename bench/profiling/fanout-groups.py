"""Groups a fan-out profile (collapsed stacks) into the parts of a delivery (docs/performance.md).

Usage: python3 fanout-groups.py target/profiling/LABEL.collapsed [ROWS]; each stack goes to the first rule it matches.
"""
import collections,sys
tot=0; groups=collections.Counter()
rules=[
 ('JIT', lambda st,fr: 'CompileBroker' in st),
 ('GC', lambda st,fr: 'GangWorker' in st or 'G1' in fr[0] or 'GC' in fr[0] or 'ConcurrentGCThread' in st),
 ('publish request (HTTP, auth, JAX-RS, bus hand-off)', lambda st,fr: 'PublishResource' in st or ('HttpServerFilter' in st and 'SseResource' not in st and 'Tyrus' not in st)),
 ('broker (Artemis threads)', lambda st,fr: 'artemis' in st and 'JmsIngress' not in st and 'InternalConsumer' not in st),
 ('broker receive + bus (consumer, EventBus)', lambda st,fr: 'InternalConsumer' in st or 'JmsIngress' in st or 'EventBus' in st or 'OrderedDispatch' in st),
 ('fan-out (registry deliver)', lambda st,fr: 'ConnectionRegistry.deliver' in st),
 ('SSE write: kernel', lambda st,fr: 'SseConnection' in st and any(('sys_write' in x or 'tcp_sendmsg' in x or 'sys_sendto' in x or '__GI___writev' in x or 'sys_writev' in x) for x in fr)),
 ('SSE write: Grizzly/Catalina output', lambda st,fr: 'SseConnection' in st and 'SseResponse$Output' in st),
 ('SSE drain (batch build, queue, metrics)', lambda st,fr: 'SseConnection' in st),
 ('WS send: kernel', lambda st,fr: ('WsConnection' in st or 'TyrusRemoteEndpoint' in st) and any(('sys_write' in x or 'tcp_sendmsg' in x or 'sys_writev' in x) for x in fr)),
 ('WS send: Tyrus idle-timer re-arm', lambda st,fr: 'restartIdleTimeoutExecutor' in st),
 ('WS send: Tyrus frame + Grizzly', lambda st,fr: 'WsConnection' in st or 'TyrusRemoteEndpoint' in st),
 ('Tyrus idle command runs (managed executor)', lambda st,fr: 'IdleTimeoutCommand' in st or 'ManagedScheduledThreadPoolExecutor.beforeExecute' in st or 'afterExecute' in st),
 ('Grizzly write completion / selector', lambda st,fr: 'SelectorRunner' in st or 'AsyncWriteQueue' in st or 'onWritePossible' in st),
 ('thread park/wake (hand-offs)', lambda st,fr: 'getTask' in st or 'LockSupport.park' in st or 'Object.wait' in st),
 ('grizzly idle sweep', lambda st,fr: 'IdleTimeoutFilter' in st),
 ('hazelcast', lambda st,fr: 'azelcast' in st),
]
for line in open(sys.argv[1]):
    st,_,n=line.rstrip().rpartition(' '); n=int(n); tot+=n
    fr=st.split(';')
    for name,f in rules:
        if f(st,fr): groups[name]+=n; break
    else: groups['other: '+';'.join(x.split('/')[-1] for x in fr[1:6])]+=n
print('samples',tot)
for k,v in groups.most_common(int(sys.argv[2]) if len(sys.argv)>2 else 24): print(f"{100*v/tot:6.2f}% {v:6d} {k[:180]}")
