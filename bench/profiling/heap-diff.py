"""Live heap per connection, by class and by library: the difference of two jmap -histo:live.

Usage: python3 heap-diff.py LABEL.histo0 LABEL.histo1 CONNECTIONS [TOP]
"""
import sys,re,collections
def load(f):
    d={}
    for l in open(f):
        m=re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)',l)
        if m: d[m.group(3)]=(int(m.group(1)),int(m.group(2)))
    return d
a=load(sys.argv[1]); b=load(sys.argv[2]); n=int(sys.argv[3])
rows=[]
for k in set(a)|set(b):
    ia,ba=a.get(k,(0,0)); ib,bb=b.get(k,(0,0))
    rows.append((bb-ba, ib-ia, k))
rows.sort(reverse=True)
tot=sum(r[0] for r in rows)
print(f"total live heap growth per connection: {tot/n:.0f} bytes")
groups=collections.Counter()
def grp(k):
    for p,g in [('io.herald','herald'),('org.glassfish.grizzly','grizzly'),('org.glassfish.tyrus','tyrus'),('org.apache.catalina','catalina'),('org.apache.coyote','catalina'),('org.glassfish.jersey','jersey'),('org.jboss.weld','weld'),('com.sun.enterprise','payara'),('fish.payara','payara'),('org.glassfish.web','payara'),('org.apache.activemq','artemis'),('jakarta','jakarta')]:
        if k.startswith(p): return g
    if k in ('[B','[C','[I','[J','[Ljava.lang.Object;'): return 'arrays '+k
    if k.startswith('java.'): return 'java.*'
    return 'other'
for d,i,k in rows: groups[grp(k)]+=d
for g,v in groups.most_common(): print(f"{v/n:8.0f} B  {g}")
print('--- top classes')
for d,i,k in rows[:int(sys.argv[4]) if len(sys.argv)>4 else 30]: print(f"{d/n:8.0f} B {i/n:6.2f} obj  {k}")
